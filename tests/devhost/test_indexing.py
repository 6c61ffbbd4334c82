"""Indexing parity with the Python worker: one FunctionRegister, its messages, and the real app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devhost import DevHost, DevHostOptions
from devhost.indexing import (
    FunctionLoadError,
    UnsupportedBindingError,
    check_supported,
    index_function_app,
    load_function,
)
from tests.devhost.conftest import FIXTURE_APP, FIXTURE_INDEXING

ROOT = Path(__file__).resolve().parents[2]


def test_no_function_app_fails_with_the_workers_message() -> None:
    with pytest.raises(
        ValueError, match=r"^Could not find top level function app instances in no_app\.py\.$"
    ):
        index_function_app(FIXTURE_INDEXING, "no_app")


def test_two_function_apps_fail_with_the_workers_message() -> None:
    with pytest.raises(
        ValueError,
        match=r"^More than one FunctionApp or other top level function app instances are defined\.$",
    ):
        index_function_app(FIXTURE_INDEXING, "two_apps")


def test_duplicate_function_names_fail_indexing() -> None:
    with pytest.raises(ValueError, match="Function same does not have a unique function name"):
        index_function_app(FIXTURE_INDEXING, "duplicate_names")


def test_parameters_must_match_bindings_as_the_worker_checks() -> None:
    [function] = index_function_app(FIXTURE_INDEXING, "bad_signature")
    with pytest.raises(FunctionLoadError) as error:
        load_function(function)
    assert str(error.value) == (
        "cannot load the bad function: the following parameters are declared in Python "
        "but not in function.json: {'extra'}"
    )


def test_unemulated_triggers_are_refused_not_ignored() -> None:
    [function] = index_function_app(FIXTURE_INDEXING, "blob_app")
    with pytest.raises(UnsupportedBindingError, match="does not emulate trigger type 'blobTrigger'"):
        check_supported(load_function(function))


def test_indexing_imports_afresh_each_time() -> None:
    """``get_functions()`` works once per app instance; a new host must get a new module."""
    first = index_function_app(FIXTURE_APP)
    second = index_function_app(FIXTURE_APP)
    assert [f.get_function_name() for f in first] == [f.get_function_name() for f in second]
    assert (
        "function_app" not in sys.modules or Path(sys.modules["function_app"].__file__ or "").parent == ROOT
    )


def test_fixture_app_bindings_are_what_the_host_receives() -> None:
    functions = {fn.name: fn for fn in map(load_function, index_function_app(FIXTURE_APP))}
    assert functions["work"].trigger == {
        "direction": "IN",
        "type": "queueTrigger",
        "name": "msg",
        "queueName": "%TEST_QUEUE%",
        "connection": "AzureWebJobsStorage",
    }
    assert functions["tick"].trigger["schedule"] == "%TEST_SCHEDULE%"
    assert functions["public"].requires_context
    assert functions["public"].is_async
    assert set(functions["work"].outputs) == {"out"}


def test_script_file_name_setting_selects_the_module(tmp_path: Path) -> None:
    settings = tmp_path / "s.json"
    settings.write_text(json.dumps({"Values": {"PYTHON_SCRIPT_FILE_NAME": "two_apps.py"}}))
    host = DevHost(DevHostOptions(app_dir=FIXTURE_INDEXING, settings_file=settings))
    with pytest.raises(ValueError, match="More than one FunctionApp"):
        host.index()


def test_the_real_function_app_indexes_as_the_worker_would() -> None:
    """Fresh import of the repository's function_app; each function has exactly one trigger."""
    functions = index_function_app(ROOT, "function_app")
    for function in functions:
        triggers = [b for b in function.get_bindings() if str(b.type).endswith("Trigger")]
        assert function.get_trigger() is not None, function.get_function_name()
        assert len(triggers) == 1, function.get_function_name()
        check_supported(load_function(function))


def test_the_real_function_app_passes_devhost_check_in_a_fresh_interpreter() -> None:
    """``python -m devhost --check``: a new process imports function_app exactly as a worker does."""
    result = subprocess.run(
        [sys.executable, "-m", "devhost", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Functions (")
