"""Start the local stack (Graph emulator, Azurite, devhost) as child processes on loopback ports.

Each child runs in its own session (process group), so a Ctrl-C in the terminal reaches only the
parent, which then stops every child in reverse order: first devhost (it drains), then Azurite and
the emulator. ``Stack`` is a context manager and also registers an ``atexit`` hook, so the children
go away on success, on an exception, on Ctrl-C and on SIGTERM (``terminate_on_sigterm``). Output
goes to one log file per child (``.demo/`` by default, git-ignored); ``Child.tail()`` reads it back
when something fails.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType

import httpx

from devhost.azurite import azurite_executable, connection_string, free_port

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / ".demo"
LOOPBACK = "127.0.0.1"
_LISTENING = re.compile(r"devhost listening on (http://\S+)")


class StartupError(RuntimeError):
    """A child exited or did not become ready in time; the message names it and its log."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None  # None: the child writes to our stdout and stderr
    stopped: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the child's process group, SIGKILL after ``timeout``; once only."""
        if self.stopped:
            return
        self.stopped = True
        if self.running():
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait()

    def interrupt(self) -> None:
        """What Ctrl-C does to a foreground program: SIGINT to its process group."""
        if self.running():
            self._signal(signal.SIGINT)

    def _signal(self, sig: signal.Signals) -> None:
        # Only while the child is unreaped: its pid (= its group id) cannot belong to anyone else.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def log_text(self) -> str:
        if self.log_path is None:
            return ""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def spawn(name: str, args: list[str], *, log_dir: Path | None, env: Mapping[str, str] | None = None) -> Child:
    """Start ``args`` in a new session, its output in ``log_dir/<name>.log`` (truncated) or ours."""
    environment = dict(os.environ if env is None else env)
    if log_dir is None:
        process = subprocess.Popen(
            args, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, start_new_session=True
        )
        return Child(name, process, None)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Child(name, process, log_path)


def ensure_free(port: int, what: str) -> None:
    """Fail clearly when a fixed port is taken (else a readiness check could see someone else)."""
    if _port_open(port):
        raise StartupError(f"port {port} ({what}) is already in use: stop what listens there")


def wait_until(child: Child, ready: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll ``ready`` until it holds; fail early if the child exits, and after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if not child.running():
            raise StartupError(
                f"{child.name} exited with code {child.process.returncode} before {what} "
                f"(log: {child.log_path})"
            )
        if time.monotonic() > deadline:
            raise StartupError(
                f"{child.name}: {what} did not happen within {timeout:.0f}s (log: {child.log_path})"
            )
        time.sleep(0.05)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((LOOPBACK, port)) == 0


def python_args(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


@dataclass
class Stack:
    """The children started so far; ``stop()`` ends them in reverse order (idempotent)."""

    log_dir: Path = LOG_DIR
    started: list[Child] = field(default_factory=list)

    def __post_init__(self) -> None:
        atexit.register(self.stop)

    def add(self, child: Child) -> Child:
        self.started.append(child)
        return child

    def stop(self) -> None:
        for child in reversed(self.started):
            child.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the three services --------------------------------------------------------------------

    def start_emulator(
        self, *, port: int | None = None, clock_start: datetime | None = None, frozen: bool = False
    ) -> str:
        """The Graph emulator (default seed, no latency); returns its root URL (no ``/v1.0``)."""
        if port:
            ensure_free(port, "Graph emulator")
        port = port or free_port(LOOPBACK)
        args = ["--host", LOOPBACK, "--port", str(port), "--latency-ms", "0"]
        if clock_start is not None:
            args += ["--clock-start", clock_start.isoformat().replace("+00:00", "Z")]
        if frozen:
            args.append("--frozen-clock")
        child = self.add(spawn("emulator", python_args("graph_emulator", *args), log_dir=self.log_dir))
        url = f"http://{LOOPBACK}:{port}"
        wait_until(child, lambda: _answers(f"{url}/_emulator/clock"), timeout=30, what="answering")
        return url

    def start_azurite(self, *, ports: tuple[int, int, int] | None = None) -> str:
        """Azurite (blob, queue, table; in memory); returns its connection string."""
        for port in ports or ():
            ensure_free(port, "Azurite")
        blob, queue, table = ports or (free_port(LOOPBACK), free_port(LOOPBACK), free_port(LOOPBACK))
        args = [
            azurite_executable(),
            "--blobHost", LOOPBACK, "--blobPort", str(blob),
            "--queueHost", LOOPBACK, "--queuePort", str(queue),
            "--tableHost", LOOPBACK, "--tablePort", str(table),
            "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--silent",
        ]  # fmt: skip
        child = self.add(spawn("azurite", args, log_dir=self.log_dir))
        ready = lambda: all(_port_open(p) for p in (blob, queue, table))  # noqa: E731
        wait_until(child, ready, timeout=60, what="listening")
        return connection_string(LOOPBACK, blob, queue, table)

    def start_devhost(
        self, *, env: Mapping[str, str], settings_file: Path, function_key: str, master_key: str
    ) -> str:
        """devhost on a free port (it picks one); returns its URL once ``/admin/host/status`` answers."""
        args = python_args(
            "devhost", "--port", "0", "--settings", str(settings_file),
            f"--key={function_key}", f"--master-key={master_key}",  # a key may start with "-"
        )  # fmt: skip
        child = self.add(spawn("devhost", args, log_dir=self.log_dir, env=env))
        found: list[str] = []

        def listening() -> bool:
            match = _LISTENING.search(child.log_text())
            if match:
                found.append(match.group(1))
            return bool(match)

        wait_until(child, listening, timeout=60, what="listening")
        url = found[-1]
        wait_until(child, lambda: _answers(f"{url}/admin/host/status"), timeout=30, what="answering")
        return url


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM (and SIGHUP) into ``SystemExit`` so that ``finally`` blocks stop the children."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
