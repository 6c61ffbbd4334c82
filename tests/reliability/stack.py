"""The demo's stack in the test's own event loop: the emulator and devhost on loopback sockets.

``scripts.story.run_story`` drives a Functions host over HTTP, as the demo does; here the host is
an in-process ``DevHost`` (the real ``function_app``, its timer through the admin API, its queue
trigger polling Azurite) and the emulator is served by uvicorn in the same loop, so one story costs
a few seconds and no process start. The app reads its settings from the environment, as in a
worker: the sample's values, this stack's ports and names, and the Graph permissions under test
(``GRAPH_EMULATOR_ROLES``, or what its identity was granted). ``watch`` runs the story and stops it
as soon as a function fails, so a missing permission in the queue function does not cost the
story's whole wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from devhost.runner import DevHost, DevHostOptions
from graph_emulator import TenantState, create_app
from scripts.send_webhook import settings_values
from scripts.story import Endpoints, StoryFailed, StoryReport, run_story
from shared.worker import LazyWorker, Worker

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "local.settings.sample.json"
STEP_WAIT = 20.0  # bound of each wait inside the story


@dataclass(frozen=True)
class HostInvocations:
    """``scripts.story.Invocations`` over the in-process host's history."""

    host: DevHost

    def finished(self) -> list[tuple[str, bool]]:
        return [(i.function, i.succeeded) for i in self.host.invocations]


@dataclass
class Stack:
    endpoints: Endpoints
    host: DevHost
    state: TenantState


class FunctionFailed(Exception):
    """A function invocation failed while the story ran; ``error`` is what it raised."""

    def __init__(self, function: str, error: BaseException | None) -> None:
        super().__init__(f"{function} failed: {type(error).__name__ if error else 'unknown'}")
        self.function = function
        self.error = error


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextlib.asynccontextmanager
async def serve_emulator(state: TenantState) -> AsyncIterator[str]:
    async with serve_asgi(create_app(state)) as url:
        yield url


@contextlib.asynccontextmanager
async def serve_asgi(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, in this event loop; yield its URL."""
    sock = _listening_socket()
    config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=False)
    server = uvicorn.Server(config)
    server.install_signal_handlers = False  # type: ignore[attr-defined]  # uvicorn < 0.29 spelling
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110  # uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.asynccontextmanager
async def app_stack(
    storage: str,
    roles: Sequence[str] | None,
    monkeypatch: pytest.MonkeyPatch,
    *,
    settings: Mapping[str, str] | None = None,
) -> AsyncIterator[Stack]:
    """A fresh tenant (clock frozen at today 00:00 UTC, as in the demo), table, queue and host.

    ``roles`` None leaves ``GRAPH_EMULATOR_ROLES`` empty: with ``AZURE_CLIENT_ID`` in ``settings`` the
    app's token is then its identity's, holding what was granted to it.
    """
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    state = TenantState(clock_start=today)
    async with serve_emulator(state) as emulator:
        values = settings_values(SAMPLE)
        suffix = uuid.uuid4().hex[:10]
        values |= {
            "GRAPH_BASE_URL": f"{emulator}/v1.0",
            "AzureWebJobsStorage": storage,
            "STATE_TABLE_NAME": f"lp{suffix}",
            "CLEANUP_QUEUE_NAME": f"lp-cleanup-{suffix}",
            "GRAPH_EMULATOR_ROLES": ",".join(roles) if roles is not None else "",
            **(settings or {}),
        }
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        built = record_workers(monkeypatch)  # the host's first invocation builds one from this env
        key = secrets.token_urlsafe(16)
        host = DevHost(
            DevHostOptions(
                app_dir=ROOT,
                load_settings=False,
                port=0,
                function_key=key,
                master_key=secrets.token_urlsafe(16),
            )
        )
        ready = asyncio.Event()
        serving = asyncio.ensure_future(host.serve(ready=ready.set, handle_signals=False))
        try:
            await asyncio.wait_for(ready.wait(), 30)
            endpoints = Endpoints(
                app_url=host.url,
                function_key=key,
                emulator_url=emulator,
                storage_connection=storage,
                webhook_secret=values["WEBHOOK_SECRET"],
                invocations=HostInvocations(host),
                state_table=values["STATE_TABLE_NAME"],
                wait_seconds=STEP_WAIT,
            )
            yield Stack(endpoints, host, state)
        finally:
            host.request_shutdown()
            await asyncio.wait_for(serving, 30)
            for worker in built:
                await worker.close()
                await close_graph_client(worker.graph)


def record_workers(monkeypatch: pytest.MonkeyPatch) -> list[Worker]:
    """The workers the host's ``function_app`` builds, so that the stack can close their clients."""
    built: list[Worker] = []
    get = LazyWorker.get

    def recording(lazy: LazyWorker) -> Worker:
        worker = get(lazy)
        if all(w is not worker for w in built):
            built.append(worker)
        return worker

    monkeypatch.setattr(LazyWorker, "get", recording)
    return built


async def close_graph_client(graph: Any) -> None:
    """A worker keeps its Graph client for life; a test stack closes it, pool included.

    msgraph-core's ``AsyncGraphTransport`` (the middleware transport) does not close the transport
    it wraps, so ``AsyncClient.aclose()`` alone leaves the connections open.
    """
    client = graph.request_adapter._http_client
    inner = getattr(client._transport, "transport", None)
    await client.aclose()
    if inner is not None:
        await inner.aclose()


async def watch(stack: Stack) -> StoryReport:
    """Run the story; raise ``StoryFailed`` (its step) or ``FunctionFailed`` (the first failed function)."""
    story = asyncio.ensure_future(run_story(stack.endpoints))
    try:
        while not story.done():
            _raise_first_failure(stack)
            await asyncio.sleep(0.05)
        _raise_first_failure(stack)  # the story may have seen the failure first; the error says more
        return story.result()
    finally:
        if not story.done():
            story.cancel()
            with contextlib.suppress(asyncio.CancelledError, StoryFailed):
                await story


def _raise_first_failure(stack: Stack) -> None:
    failed = [i for i in stack.host.invocations if not i.succeeded]
    if failed:
        raise FunctionFailed(failed[0].function, failed[0].error)


__all__ = ["FunctionFailed", "Stack", "StoryFailed", "app_stack", "watch"]
