"""Where a side talks to the emulator, and what the benchmark reads from its control plane.

``served(...)`` starts ``bench.emulator_server`` on a free loopback port (the full benchmark: the
emulator's CPU stays out of the client process); ``in_process(state)`` wraps an ASGI emulator in
the calling process (the smoke test: no process start-up). Either way a side gets an ``Endpoint``
and never needs to know which.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from graph_emulator import TenantState

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Endpoint:
    url: str  # the emulator's root: Graph under /v1.0, control plane under /_emulator
    transport: httpx.AsyncBaseTransport | None = field(default=None, compare=False)

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    def control(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, transport=self.transport, timeout=120.0)


@dataclass(frozen=True)
class RequestTally:
    """What the emulator served: HTTP round trips, operations (``$batch`` items count one each), 429s."""

    round_trips: int
    operations: int
    throttled: int  # 429 answers, to round trips or to batch items
    by_route: dict[str, int]


async def request_tally(endpoint: Endpoint) -> RequestTally:
    async with endpoint.control() as http:
        response = await http.get("/_emulator/requests")
    response.raise_for_status()
    summary: dict[str, Any] = response.json()
    return RequestTally(
        round_trips=summary["roundTrips"],
        operations=summary["operations"],
        throttled=sum(1 for e in summary["entries"] if e["status"] == 429),
        by_route=dict(summary["byRoute"]),
    )


async def directory(endpoint: Endpoint) -> dict[str, Any]:
    """The emulator's state dump (users, groups, access reviews): to compare both sides' end states."""
    async with endpoint.control() as http:
        response = await http.get("/_emulator/state")
    response.raise_for_status()
    state: dict[str, Any] = response.json()
    return state


async def review_instance(endpoint: Endpoint, group_id: str) -> tuple[str, str]:
    """(definition id, instance id) of the seeded round that reviews ``group_id``."""
    async with endpoint.control() as http:
        response = await http.get("/_emulator/accessReviews/instances")
    response.raise_for_status()
    (found,) = [i for i in response.json()["value"] if i["groupId"] == group_id]
    return str(found["definitionId"]), str(found["id"])


def in_process(state: TenantState) -> Endpoint:
    """An endpoint over ``httpx.ASGITransport``: no socket, the emulator runs in this process."""
    from graph_emulator import create_app

    return Endpoint("http://127.0.0.1", httpx.ASGITransport(app=create_app(state)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def python_env(**extra: str) -> dict[str, str]:
    """The environment of a child Python: the repository importable, nothing else changed."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


@contextmanager
def served(args: Sequence[str], *, timeout: float = 30.0) -> Iterator[Endpoint]:
    """``bench.emulator_server`` with ``args`` on a free port, stopped (by its pid) on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        command = [sys.executable, "-m", "bench.emulator_server", "--port", str(port), *args]
        process = subprocess.Popen(command, cwd=ROOT, env=python_env(), stdout=log, stderr=log)
        try:
            _wait_until_serving(url, process, log, timeout)
            yield Endpoint(url)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode()[-2000:]
            raise RuntimeError(f"the emulator exited with {process.returncode}: {output}")
        try:
            if httpx.get(f"{url}/_emulator/clock", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError("the emulator did not start listening")
