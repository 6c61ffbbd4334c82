"""scripts/start.py: which services the settings ask for, which host runs, and a real start/stop."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devhost.azurite import connection_string, free_port
from scripts.start import azurite_ports, emulator_port, host_command, parse_args
from tests.process_output import read_until
from tests.test_demo import alive

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "port"),
    [
        ("http://127.0.0.1:8765/v1.0", 8765),
        ("http://localhost:9000/v1.0", 9000),
        ("https://graph.microsoft.com/v1.0", None),
        ("https://graph.microsoft.us/v1.0", None),
    ],
)
def test_emulator_only_for_a_loopback_graph(url: str, port: int | None) -> None:
    assert emulator_port(url) == port


def test_azurite_ports_from_the_connection_string() -> None:
    assert azurite_ports("UseDevelopmentStorage=true") == (10000, 10001, 10002)
    assert azurite_ports(connection_string("127.0.0.1", 1, 2, 3)) == (1, 2, 3)
    real = "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=eA==;EndpointSuffix=core.windows.net"
    assert azurite_ports(real) is None


def test_func_when_installed_devhost_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/func")
    assert host_command(parse_args([]), Path("s.json"), "k") == ("func start", ["/usr/bin/func", "start"])
    assert host_command(parse_args(["--devhost"]), Path("s.json"), "k")[0] == "devhost"
    monkeypatch.setattr(shutil, "which", lambda name: None)
    name, command = host_command(parse_args(["--port", "7072"]), Path("s.json"), "k")
    assert name == "devhost"
    assert command[1:] == ["-m", "devhost", "--settings", "s.json", "--key=k", "--port", "7072"]


def _start(tmp_path: Path) -> tuple[subprocess.Popen[str], Path, str]:
    """``python -m scripts.start`` on free ports: the process, its settings, its output to the banner."""
    settings = json.loads((ROOT / "local.settings.sample.json").read_text())
    emulator = free_port()
    storage = connection_string("127.0.0.1", free_port(), free_port(), free_port())
    settings["Values"] |= {
        "GRAPH_BASE_URL": f"http://127.0.0.1:{emulator}/v1.0",
        "AzureWebJobsStorage": storage,
    }
    path = tmp_path / "local.settings.json"
    path.write_text(json.dumps(settings))
    args = ["--devhost", "--port", "0", "--settings", str(path), "--log-dir", str(tmp_path)]
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.start", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    return process, path, read_until(process, process.stdout, "devhost listening on")


@pytest.mark.slow
def test_start_serves_a_signed_webhook_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    process, path, seen = _start(tmp_path)
    try:
        url = re.search(r"devhost listening on (\S+)", seen)
        key = re.search(r"--key=(\S+)", seen)
        assert url, seen
        assert key, seen
        sent = subprocess.run(
            [sys.executable, "-m", "scripts.send_webhook", "--url", url.group(1), f"--key={key.group(1)}",
             "--settings", str(path)],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "-> 201" in sent.stdout
    finally:
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=60)[0]
    pids = [int(p) for p in re.findall(r"pid (\d+)", seen)]
    assert len(pids) == 3, seen  # emulator, Azurite, devhost
    assert process.returncode == 130, seen + rest
    assert [pid for pid in pids if alive(pid)] == []
    assert "Unclosed" not in rest, rest  # the app's storage clients were closed with devhost's loop


@pytest.mark.slow
def test_sigterm_stops_start_and_every_process_it_started(tmp_path: Path) -> None:
    """How to stop ``make start`` without a terminal: SIGTERM (GNU make passes it on to its recipe)."""
    process, _, seen = _start(tmp_path)
    try:
        assert "devhost listening on" in seen, seen
    finally:
        process.terminate()
        rest = process.communicate(timeout=60)[0]
    pids = [int(p) for p in re.findall(r"pid (\d+)", seen)]
    assert len(pids) == 3, seen  # emulator, Azurite, devhost
    assert process.returncode == 128 + signal.SIGTERM, seen + rest
    assert [pid for pid in pids if alive(pid)] == []
