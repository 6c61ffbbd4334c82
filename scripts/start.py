"""``make start`` (``python -m scripts.start``): the local services, then the Functions host.

Reads ``local.settings.json`` (copied from the sample when missing) and starts what it points at
on this machine: the Graph emulator when ``GRAPH_BASE_URL`` is a loopback URL (its port; the clock
runs in real time), Azurite when ``AzureWebJobsStorage`` is ``UseDevelopmentStorage=true`` (ports
10000-10002) or names loopback endpoints. Then it runs ``func start`` when Azure Functions Core
Tools are on the PATH, devhost otherwise (``--devhost`` forces it), in the foreground with the
venv first on the PATH, so the Python worker finds the app's packages. A real tenant or storage
account in the settings is used as is. Ctrl-C stops the host, then everything else started here.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from scripts.processes import LOG_DIR, LOOPBACK, ROOT, Child, Stack, StartupError, spawn, terminate_on_sigterm
from scripts.send_webhook import settings_values

SETTINGS = ROOT / "local.settings.json"
SAMPLE = ROOT / "local.settings.sample.json"
DEVELOPMENT_STORAGE = (10000, 10001, 10002)  # what UseDevelopmentStorage=true means


def emulator_port(graph_base_url: str) -> int | None:
    """The port of a loopback ``http://`` Graph URL (the emulator), else None (a real Graph)."""
    parts = urlsplit(graph_base_url)
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"):
        return parts.port or 80
    return None


def azurite_ports(connection: str) -> tuple[int, int, int] | None:
    """Blob, queue and table ports when the connection string is Azurite on this machine."""
    if connection.replace(" ", "").lower() == "usedevelopmentstorage=true":
        return DEVELOPMENT_STORAGE
    fields = dict(part.split("=", 1) for part in connection.split(";") if "=" in part)
    urls = [urlsplit(fields.get(f"{kind}Endpoint", "")) for kind in ("Blob", "Queue", "Table")]
    if all(u.hostname in ("127.0.0.1", "localhost") and u.port for u in urls):
        return (urls[0].port or 0, urls[1].port or 0, urls[2].port or 0)
    return None


def host_command(args: argparse.Namespace, settings: Path, key: str) -> tuple[str, list[str]]:
    func = None if args.devhost else shutil.which("func")
    port = ["--port", str(args.port)] if args.port is not None else []
    if func is not None:
        return "func start", [func, "start", *port]
    devhost = [sys.executable, "-m", "devhost", "--settings", str(settings), f"--key={key}", *port]
    return "devhost", devhost


def venv_environment() -> dict[str, str]:
    """The environment with this interpreter's venv activated (Core Tools runs ``python`` from PATH)."""
    env = dict(os.environ)
    venv = Path(sys.prefix)
    if venv != Path(sys.base_prefix):
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def start_services(stack: Stack, values: dict[str, str]) -> list[str]:
    """Start the emulator and Azurite as the settings ask; one line per service for the banner."""
    lines = []
    graph = values.get("GRAPH_BASE_URL") or "https://graph.microsoft.com/v1.0"
    port = emulator_port(graph)
    if port is None:
        lines.append(f"Graph:    {graph} (not local: no emulator started)")
    else:
        url = stack.start_emulator(port=port)
        lines.append(f"Graph:    emulator {url}/v1.0, control plane {url}/_emulator (log {_log(stack)})")
    storage = values.get("AzureWebJobsStorage", "")
    ports = azurite_ports(storage)
    if ports is None:
        lines.append("Storage:  AzureWebJobsStorage is not local: no Azurite started")
    else:
        stack.start_azurite(ports=ports)
        lines.append(f"Storage:  Azurite on {LOOPBACK}:{ports[0]}-{ports[2]}, in memory (log {_log(stack)})")
    return lines


def _log(stack: Stack) -> str:
    child = stack.started[-1]
    where = (
        child.log_path.relative_to(ROOT)
        if child.log_path and child.log_path.is_relative_to(ROOT)
        else child.log_path
    )
    return f"{where}, pid {child.pid}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.start", description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", type=Path, default=SETTINGS, help="default: local.settings.json")
    parser.add_argument("--devhost", action="store_true", help="use devhost even when `func` is installed")
    parser.add_argument("--port", type=int, default=None, help="the host's HTTP port (default 7071)")
    parser.add_argument("--log-dir", type=Path, default=LOG_DIR / "start", help="logs of the services")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.settings == SETTINGS and not SETTINGS.exists():
        shutil.copyfile(SAMPLE, SETTINGS)
        print(f"Created {SETTINGS.name} from {SAMPLE.name} (git-ignored; edit it freely).")
    values = settings_values(args.settings)
    key = secrets.token_urlsafe(24)
    name, command = host_command(args, args.settings, key)
    if name == "func start" and args.settings.resolve() != SETTINGS:
        print(f"warning: Core Tools reads {SETTINGS.name} only; --settings {args.settings} is ignored by it")
    stack = Stack(log_dir=args.log_dir.resolve())
    try:
        with terminate_on_sigterm(), stack:
            for line in start_services(stack, values):
                print(line)
            options = f" --key={key}" if name == "devhost" else ""  # Core Tools skips keys locally
            options += f" --url http://{LOOPBACK}:{args.port}" if args.port else ""
            host = stack.add(spawn(name.split()[0], command, log_dir=None, env=venv_environment()))
            print(f"Host:     {name}, pid {host.pid} (Ctrl-C stops it and the services above)")
            print(f"Try:      .venv/bin/python -m scripts.send_webhook{options}\n", flush=True)
            return _wait(host)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _wait(host: Child) -> int:
    """Wait for the host; on Ctrl-C pass it on once, as the terminal would, and let it drain."""
    try:
        return host.process.wait()
    except KeyboardInterrupt:
        host.interrupt()
        # A second Ctrl-C, or a host that hangs: the stack stops it the hard way.
        with contextlib.suppress(KeyboardInterrupt, subprocess.TimeoutExpired):
            host.process.wait(timeout=30)
        return 130


if __name__ == "__main__":
    sys.exit(main())
