"""Settings: local.settings.json into the environment (Core Tools' precedence), host.json, %SETTING%."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from devhost import DevHost, DevHostOptions
from devhost.bindings import BindingError
from devhost.hostconfig import HostConfig, HostConfigError, QueuesOptions, parse_timespan
from devhost.settings import (
    SettingsError,
    apply_values,
    find_settings_file,
    read_local_settings,
    resolve_connection,
    resolve_expression,
)
from tests.devhost.conftest import FIXTURE_APP, HostFactory, client_for, write_settings


def test_environment_wins_over_local_settings(caplog: pytest.LogCaptureFixture) -> None:
    environ = {"SET": "from-env", "EMPTY": ""}
    with caplog.at_level(logging.WARNING, logger="devhost"):
        outcome = apply_values({"SET": "from-file", "EMPTY": "filled", "NEW": "new"}, environ)
    assert environ == {"SET": "from-env", "EMPTY": "filled", "NEW": "new"}
    assert (outcome.applied, outcome.skipped) == (["EMPTY", "NEW"], ["SET"])
    assert "Skipping 'SET' from local settings as it's already defined in current environment variables." in (
        caplog.text
    )


def test_local_settings_file_is_preferred_then_the_sample(tmp_path: Path) -> None:
    assert find_settings_file(tmp_path) is None
    write_settings(tmp_path / "local.settings.sample.json", {"A": "sample"})
    assert find_settings_file(tmp_path) == tmp_path / "local.settings.sample.json"
    write_settings(tmp_path / "local.settings.json", {"A": "local"})
    assert read_local_settings(find_settings_file(tmp_path)).values == {"A": "local"}
    with pytest.raises(SettingsError, match="does not exist"):
        find_settings_file(tmp_path, tmp_path / "missing.json")


def test_settings_file_shape(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"Values": {"N": 3, "B": True, "S": "x"}, "Host": {"LocalHttpPort": 7099}}))
    settings = read_local_settings(path)
    assert settings.values == {"N": "3", "B": "true", "S": "x"}
    assert settings.local_http_port == 7099
    path.write_text(json.dumps({"IsEncrypted": True, "Values": {}}))
    with pytest.raises(SettingsError, match="encrypted"):
        read_local_settings(path)


def test_binding_expressions_resolve_from_settings() -> None:
    environ = {"QUEUE": "work", "ENV": "dev"}
    assert resolve_expression("%QUEUE%", environ) == "work"
    assert resolve_expression("jobs-%ENV%-%QUEUE%", environ) == "jobs-dev-work"
    assert resolve_expression("0 */5 * * * *", environ) == "0 */5 * * * *"
    with pytest.raises(SettingsError, match=r"^'%MISSING%' does not resolve to a value\.$"):
        resolve_expression("%MISSING%", environ)


def test_connection_names_an_app_setting() -> None:
    assert resolve_connection("AzureWebJobsStorage", {"AzureWebJobsStorage": "cs1"}) == "cs1"
    assert resolve_connection(None, {"AzureWebJobsStorage": "cs1"}) == "cs1"
    assert resolve_connection("Other", {"AzureWebJobsOther": "cs2"}) == "cs2"
    with pytest.raises(SettingsError, match="Storage account connection string 'Nope' does not exist"):
        resolve_connection("Nope", {})


async def test_settings_are_in_the_environment_before_the_app_is_imported(
    make_host: HostFactory, tmp_path: Path
) -> None:
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "function_app.py").write_text(
        "import os\nimport azure.functions as func\n"
        "SEEN_AT_IMPORT = os.environ.get('GREETING')\n"
        "app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)\n"
        "@app.route(route='seen')\n"
        "def seen(req: func.HttpRequest) -> func.HttpResponse:\n"
        "    return func.HttpResponse(str(SEEN_AT_IMPORT))\n"
    )
    async with client_for(await make_host(app_dir=app_dir, values={"GREETING": "hej"})) as client:
        assert (await client.get("/api/seen")).text == "hej"
    assert os.environ["GREETING"] == "hej"


async def test_an_unresolved_setting_stops_startup_with_the_hosts_message(tmp_path: Path) -> None:
    settings = write_settings(
        tmp_path / "s.json", {"AzureWebJobsStorage": "x", "TEST_SCHEDULE": "0 0 * * * *"}
    )
    host = DevHost(DevHostOptions(app_dir=FIXTURE_APP, settings_file=settings, listeners=False))
    with pytest.raises(BindingError) as error:
        await host.start()
    assert str(error.value) == (
        "Error indexing method 'Functions.work': '%TEST_QUEUE%' does not resolve to a value."
    )


def test_host_json_of_the_repository_is_understood() -> None:
    config = HostConfig.load(Path(__file__).resolve().parents[2] / "host.json")
    assert config.route_prefix == "api"
    assert config.queues == QueuesOptions(
        batch_size=8,
        new_batch_threshold=4,
        max_dequeue_count=5,
        visibility_timeout=30.0,
        max_polling_interval=2.0,
        message_encoding="base64",
    )
    assert config.function_timeout == 600.0


def test_host_json_defaults_and_validation(tmp_path: Path) -> None:
    assert HostConfig.load(tmp_path / "absent.json") == HostConfig()
    assert QueuesOptions.from_json({"batchSize": 10}).new_batch_threshold == 5
    assert parse_timespan("1.02:03:04.5") == 93784.5
    assert parse_timespan("00:05") == 300.0
    with pytest.raises(HostConfigError):
        parse_timespan("5 minutes")
    with pytest.raises(HostConfigError, match="batchSize"):
        QueuesOptions.from_json({"batchSize": 64})
    with pytest.raises(HostConfigError, match="messageEncoding"):
        QueuesOptions.from_json({"messageEncoding": "utf8"})
