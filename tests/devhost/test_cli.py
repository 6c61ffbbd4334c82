"""``python -m devhost`` end to end: a real socket, keys, the admin endpoint, clean SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from devhost import DevHost, DevHostOptions
from devhost.__main__ import http_limits, parse_args
from devhost.azurite import free_port
from devhost.limits import HttpLimits
from tests.devhost.conftest import FIXTURE_APP, read_records, unique_queue, write_settings

ROOT = Path(__file__).resolve().parents[2]


def _wait_for_line(process: subprocess.Popen[str], marker: str, timeout: float = 60.0) -> list[str]:
    """Collect stdout lines (on a thread, so a silent child cannot block the test) up to ``marker``."""
    assert process.stdout is not None
    stdout = process.stdout
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(stdout.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any(marker in line for line in list(seen)):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"{marker!r} not printed; got {seen!r}")


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_with_keys_and_stops_cleanly(
    tmp_path: Path, storage_connection_string: str, stop_signal: signal.Signals
) -> None:
    record = tmp_path / "calls.jsonl"
    settings = write_settings(
        tmp_path / "local.settings.json",
        {
            "AzureWebJobsStorage": storage_connection_string,
            "TEST_SCHEDULE": "0 0 0 1 1 *",
            "TEST_QUEUE": unique_queue("cli"),
            "TEST_OUT_QUEUE": unique_queue("cli-out"),
            "DEVHOST_FIXTURE_RECORD": str(record),
        },
    )
    port = free_port()
    command = [sys.executable, "-m", "devhost", "--app-dir", str(FIXTURE_APP), "--settings", str(settings),
               "--port", str(port), "--key", "cli-key"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "DEVHOST_FIXTURE_RECORD"}
    log_path = tmp_path / "stderr.txt"
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True, env=env
        ) as process,
    ):
        try:
            banner = "".join(_wait_for_line(process, "work: queueTrigger"))
            assert f"listening on http://127.0.0.1:{port}" in banner
            assert "Function key: cli-key" in banner
            assert f"hello: [GET,POST] http://127.0.0.1:{port}/api/hello/{{name}}" in banner
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                assert client.get("/api/hello/x").status_code == 401
                assert client.get("/api/hello/x", headers={"x-functions-key": "cli-key"}).status_code == 201
                assert client.post("/admin/functions/tick", json={"input": ""}).status_code == 202
            deadline = time.monotonic() + 10
            while not read_records(record, "tick") and time.monotonic() < deadline:
                time.sleep(0.05)
            process.send_signal(stop_signal)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    stderr = log_path.read_text()
    assert process.returncode == 0, stderr
    assert "Executed 'Functions.tick' (Succeeded" in stderr
    assert "Host stopped" in stderr


async def test_serve_in_process_on_an_ephemeral_port(tmp_path: Path) -> None:
    """The demo's way: serve() on port 0, wait for ready, call over a socket, request_shutdown()."""
    settings = write_settings(
        tmp_path / "s.json",
        {
            "AzureWebJobsStorage": "x",
            "TEST_SCHEDULE": "0 0 0 1 1 *",
            "TEST_QUEUE": "q-a",
            "TEST_OUT_QUEUE": "q-b",
        },
    )
    host = DevHost(
        DevHostOptions(app_dir=FIXTURE_APP, settings_file=settings, port=0, listeners=False, function_key="k")
    )
    ready = asyncio.Event()
    serving = asyncio.create_task(host.serve(ready=ready.set, handle_signals=False))
    await asyncio.wait_for(ready.wait(), 10)
    async with httpx.AsyncClient(base_url=host.url) as client:
        assert (await client.get("/api/hello/x", params={"code": "k"})).status_code == 201
    host.request_shutdown()
    await asyncio.wait_for(serving, 10)
    assert [i.function for i in host.invocations] == ["hello"]


def test_slow_client_limits_default_to_kestrels_and_zero_switches_one_off() -> None:
    assert http_limits(parse_args([])) == HttpLimits()
    custom = http_limits(parse_args(["--keep-alive-timeout", "7", "--request-headers-timeout", "0",
                                     "--request-body-timeout", "2.5"]))  # fmt: skip
    assert custom == HttpLimits(keep_alive_timeout=7, request_headers_timeout=None, request_body_grace=2.5)
