"""Index function_app the way the Python worker does: one FunctionRegister, named functions, one
trigger each, bindings from settings by name, and nothing built at import time."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func
import pytest

EXPECTED = {
    "onboard_guest": {"type": "httpTrigger", "route": "guests", "methods": ["POST"], "authLevel": "FUNCTION"},
    "onboard_guests": {
        "type": "httpTrigger",
        "route": "guests/batch",
        "methods": ["POST"],
        "authLevel": "FUNCTION",
    },
    "read_audit": {"type": "httpTrigger", "route": "audit", "methods": ["GET"], "authLevel": "FUNCTION"},
    "offboard_guest": {
        "type": "httpTrigger",
        "route": "guests/offboard",
        "methods": ["POST"],
        "authLevel": "FUNCTION",
    },
    "offboard_guests": {
        "type": "httpTrigger",
        "route": "guests/offboard/batch",
        "methods": ["POST"],
        "authLevel": "FUNCTION",
    },
}
ROOT = Path(__file__).resolve().parent.parent
TRIGGER_TYPES = {"httpTrigger", "timerTrigger", "queueTrigger"}


def import_function_app() -> ModuleType:
    """A fresh import of function_app.py, as a new worker process does."""
    spec = importlib.util.spec_from_file_location("function_app", ROOT / "function_app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def index_functions() -> dict[str, Any]:
    """What the worker's ``index_function_app`` finds, from a fresh import of function_app.py.

    ``get_functions()`` may be called once per ``FunctionApp`` (it records names to detect
    duplicates), so each call imports the script anew, as a new worker process would.
    """
    module = import_function_app()
    registers = [v for v in vars(module).values() if isinstance(v, func.FunctionRegister)]
    assert len(registers) == 1
    return {
        str(fn.get_function_name()): json.loads(fn.get_function_json()) for fn in registers[0].get_functions()
    }


@pytest.fixture(scope="module")
def indexed() -> dict[str, Any]:
    return index_functions()


ALL_FUNCTIONS = {
    "onboard_guest": "httpTrigger",
    "onboard_guests": "httpTrigger",
    "governance_run": "timerTrigger",
    "clean_up_review_round": "queueTrigger",
    "read_audit": "httpTrigger",
    "offboard_guest": "httpTrigger",
    "offboard_guests": "httpTrigger",
    "deliver_hr_callback": "queueTrigger",
}


def test_expected_functions_with_one_trigger_each(indexed: dict[str, Any]) -> None:
    assert {name: _trigger(fn)["type"] for name, fn in indexed.items()} == ALL_FUNCTIONS
    for name, function_json in indexed.items():
        triggers = [b for b in function_json["bindings"] if b["type"] in TRIGGER_TYPES]
        assert len(triggers) == 1, name
        assert function_json["scriptFile"] == "function_app.py"


def _trigger(function_json: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in function_json["bindings"] if b["type"] in TRIGGER_TYPES)


def test_timer_and_queue_bindings(indexed: dict[str, Any]) -> None:
    timer = _trigger(indexed["governance_run"])
    assert timer["schedule"] == "%GOVERNANCE_SCHEDULE%"
    assert timer["runOnStartup"] is False
    assert timer["useMonitor"] is True
    queue = _trigger(indexed["clean_up_review_round"])
    assert queue["queueName"] == "%CLEANUP_QUEUE_NAME%"
    assert queue["connection"] == "AzureWebJobsStorage"
    callbacks = _trigger(indexed["deliver_hr_callback"])
    assert callbacks["queueName"] == "%HR_CALLBACK_QUEUE_NAME%"
    assert callbacks["connection"] == "AzureWebJobsStorage"


def test_http_bindings(indexed: dict[str, Any]) -> None:
    for name, expected in EXPECTED.items():
        trigger = next(b for b in indexed[name]["bindings"] if b["type"] == "httpTrigger")
        assert {k: trigger[k] for k in expected} == expected
        assert {"type": "http", "direction": "OUT", "name": "$return"} in indexed[name]["bindings"]


def test_settings_reach_bindings_by_name_never_by_value(indexed: dict[str, Any]) -> None:
    """Schedules, queue names and connections are ``%SETTING%`` expressions or setting names."""
    for name, function_json in indexed.items():
        for binding in function_json["bindings"]:
            for key in ("schedule", "queueName"):
                if key in binding:
                    assert re.fullmatch(r"%[A-Za-z0-9_]+%", binding[key]), (name, key)
            if "connection" in binding:
                assert "=" not in binding["connection"], name  # a setting name, not a connection string


def test_import_builds_nothing_and_reads_no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("WEBHOOK_SECRET", "ONBOARDING_ALLOWED_GROUP_IDS", "AzureWebJobsStorage"):
        monkeypatch.delenv(key, raising=False)
    module = import_function_app()
    assert module.app.get_functions()
    assert not module.worker.built
