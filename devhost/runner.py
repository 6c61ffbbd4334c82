"""``DevHost``: the local Functions host, usable in-process (tests, demo) and from the CLI.

Lifecycle: ``index()`` (settings into the environment, import and index the app, resolve bindings;
every startup error surfaces here), ``start()`` (timers and queue pollers), ``stop()`` (stop them,
then wait for invocations in flight). ``asgi_app`` serves HTTP in-process (``httpx.ASGITransport``)
and ``serve()`` puts it on a loopback socket with uvicorn, draining on SIGINT/SIGTERM, with Kestrel's
deadlines for slow clients (``options.http_limits``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import uuid
from collections.abc import Callable, Generator, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from azure.functions import meta
from azure.functions.queue import QueueMessage
from starlette.applications import Starlette

from devhost.bindings import QueueTarget, TimerSpec, datum_messages, resolve_queue, resolve_timer
from devhost.connection import protocol_with
from devhost.hostconfig import HostConfig
from devhost.http import HttpRoute, Keys, build_app
from devhost.indexing import IndexedFunction, check_supported, index_function_app, load_function
from devhost.invocation import InvocationResult, Invoker
from devhost.limits import HttpLimits
from devhost.queues import DEFAULT_LEASE_SECONDS, QueueListener, function_message
from devhost.settings import LocalSettings, apply_values, find_settings_file, read_local_settings
from devhost.storage import QueueClients, encode_message, send_creating_queue
from devhost.timers import TimerRunner, schedule_zone, timer_request

log = logging.getLogger("devhost")
HOST_API_REASON = "This function was programmatically called via the host APIs."


@dataclass(frozen=True)
class DevHostOptions:
    app_dir: Path = field(default_factory=Path.cwd)
    app_module: str | None = None  # default: PYTHON_SCRIPT_FILE_NAME's stem, else function_app
    settings_file: Path | None = None  # default: local.settings.json, else local.settings.sample.json
    load_settings: bool = True
    host: str = "127.0.0.1"
    port: int | None = None  # default: local settings' Host.LocalHttpPort, else 7071
    function_key: str | None = None  # default: random, printed at start
    master_key: str | None = None
    enforce_keys: bool = True
    listeners: bool = True  # False: no timers or queue polling (functions run via HTTP/admin only)
    queue_lease_seconds: float = DEFAULT_LEASE_SECONDS
    http_limits: HttpLimits = field(default_factory=HttpLimits)  # keep-alive, headers and body timeouts


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # DevHost.serve() installs its own handlers so that it can drain before exiting


class DevHost:
    def __init__(
        self, options: DevHostOptions | None = None, environ: MutableMapping[str, str] | None = None
    ):
        self.options = options or DevHostOptions()
        self.environ = os.environ if environ is None else environ
        self.keys = Keys(
            function_key=self.options.function_key or secrets.token_urlsafe(24),
            master_key=self.options.master_key or secrets.token_urlsafe(32),
            enforce=self.options.enforce_keys,
        )
        self.settings = LocalSettings(path=None)
        self.config = HostConfig()
        self.functions: dict[str, IndexedFunction] = {}
        self.url = ""
        self._routes: list[HttpRoute] = []
        self._timers: dict[str, TimerSpec] = {}
        self._queues: dict[str, QueueTarget] = {}
        self._outputs: dict[tuple[str, str], QueueTarget] = {}
        self._app: Starlette | None = None
        self._invoker: Invoker | None = None
        self._clients = QueueClients()
        self._runners: list[TimerRunner] = []
        self._listeners: list[QueueListener] = []
        self._inflight: set[asyncio.Task[InvocationResult]] = set()
        self._server: _Server | None = None
        self._started = False

    # -- startup ------------------------------------------------------------------------------

    def index(self) -> list[IndexedFunction]:
        """Apply settings, then index and resolve every function; raises on what the host refuses."""
        self._routes, self._timers, self._queues, self._outputs = [], {}, {}, {}
        if self.options.load_settings:
            path = find_settings_file(self.options.app_dir, self.options.settings_file)
            self.settings = read_local_settings(path)
            outcome = apply_values(self.settings.values, self.environ)
            log.info(
                "Settings: %s (%d applied, %d kept from the environment)",
                path or "none found",
                len(outcome.applied),
                len(outcome.skipped),
            )
        self.config = HostConfig.load(self.options.app_dir / "host.json")
        module = (
            self.options.app_module
            or Path(self.environ.get("PYTHON_SCRIPT_FILE_NAME", "function_app.py")).stem
        )
        loaded = [load_function(f) for f in index_function_app(self.options.app_dir, module)]
        for fn in loaded:
            check_supported(fn)
            self._resolve(fn)
        self.functions = {fn.name: fn for fn in loaded}
        self._app = build_app(
            routes=self._routes,
            route_prefix=self.config.route_prefix,
            keys=self.keys,
            limits=self.options.http_limits,
            invoke=lambda fn, request: self._invoke(fn, request, HOST_API_REASON),
            admin=self._admin_invoke,
        )
        return loaded

    def _resolve(self, fn: IndexedFunction) -> None:
        if fn.trigger_type == "httpTrigger":
            self._routes.append(HttpRoute.of(fn))
        elif fn.trigger_type == "timerTrigger":
            self._timers[fn.name] = resolve_timer(fn, self.environ)
        else:
            self._queues[fn.name] = resolve_queue(fn, fn.trigger, self.environ)
        for binding in [*fn.outputs.values(), *([fn.return_binding] if fn.return_binding else [])]:
            if binding["type"] == "queue":
                self._outputs[(fn.name, binding["name"])] = resolve_queue(fn, binding, self.environ)

    async def start(self) -> None:
        if self._started:
            return
        if self._app is None:
            self.index()
        self._invoker = Invoker(
            function_directory=str(self.options.app_dir),
            timeout=self.config.function_timeout,
            write_outputs=self._write_outputs,
        )
        self._started = True
        try:
            await self._start_listeners()
        except BaseException:
            await self.stop()  # e.g. Azurite unreachable: undo the timers already started
            raise
        log.info("Host started: %d function(s)", len(self.functions))

    async def _start_listeners(self) -> None:
        if not self.options.listeners:
            return
        zone = schedule_zone(self.environ.get("WEBSITE_TIME_ZONE"))
        for name, spec in self._timers.items():
            runner = TimerRunner(
                function_name=name,
                schedule=spec.schedule,
                run_on_startup=spec.run_on_startup,
                handler=self._timer_handler(self.functions[name]),
                zone=zone,
            )
            runner.start()
            self._runners.append(runner)
        for name, target in self._queues.items():
            listener = QueueListener(
                function_name=name,
                queue=self._clients.queue(target.connection_string, target.queue_name),
                poison=self._clients.queue(target.connection_string, target.poison_name),
                options=self.config.queues,
                handler=self._queue_handler(self.functions[name], target.queue_name),
                lease_seconds=self.options.queue_lease_seconds,
            )
            self._listeners.append(listener)
            await listener.start()

    async def stop(self) -> None:
        """Stop triggers, wait for running invocations, release clients and threads."""
        if not self._started:
            return
        self._started = False
        for runner in self._runners:
            await runner.stop()
        for listener in self._listeners:
            await listener.stop()
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        await self._clients.close()
        if self._invoker is not None:
            self._invoker.close()
        self._runners, self._listeners = [], []
        log.info("Host stopped")

    async def __aenter__(self) -> DevHost:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- invocation ---------------------------------------------------------------------------

    @property
    def asgi_app(self) -> Starlette:
        if self._app is None:
            raise RuntimeError("call index() or start() first")
        return self._app

    @property
    def invocations(self) -> list[InvocationResult]:
        return list(self._invoker.history) if self._invoker else []

    def _start_invocation(
        self, fn: IndexedFunction, trigger_value: Any, reason: str
    ) -> asyncio.Task[InvocationResult]:
        """Every invocation is a tracked task, so that ``stop()`` can wait for it."""
        if self._invoker is None:
            raise RuntimeError("the host is not started")
        task = asyncio.ensure_future(self._invoker.invoke(fn, trigger_value, reason=reason))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return task

    async def _invoke(self, fn: IndexedFunction, trigger_value: Any, reason: str) -> InvocationResult:
        return await asyncio.shield(self._start_invocation(fn, trigger_value, reason))  # callers may go away

    def _timer_handler(self, fn: IndexedFunction) -> Callable[[Any], Any]:
        def handle(request: Any) -> Any:
            return self._invoke(fn, request, f"Timer fired at {datetime.now(UTC).isoformat()}")

        return handle

    def _queue_handler(self, fn: IndexedFunction, queue_name: str) -> Callable[[QueueMessage], Any]:
        async def handle(message: QueueMessage) -> bool:
            result = await self._invoke(fn, message, f"New queue message detected on '{queue_name}'.")
            return result.succeeded

        return handle

    def find(self, name: str) -> IndexedFunction | None:
        """Function names are case-insensitive in the host."""
        return next((fn for key, fn in self.functions.items() if key.lower() == name.lower()), None)

    async def run_function(self, name: str, input: str | None = None) -> InvocationResult:
        """Run a non-HTTP function now and wait for it (the admin endpoint, awaited)."""
        fn = self.find(name)
        if fn is None:
            raise KeyError(f"no function named '{name}'")
        return await self._invoke(fn, self._manual_input(fn, input), HOST_API_REASON)

    def _manual_input(self, fn: IndexedFunction, input: str | None) -> Any:
        """The trigger value for a manual run: a timer tick, or a message whose body is ``input``."""
        if fn.trigger_type == "httpTrigger":
            raise ValueError(f"'{fn.name}' is an HTTP function: call its route instead")
        now = datetime.now(UTC)
        if fn.trigger_type == "timerTrigger":
            return timer_request(
                past_due=False, last=None, next_=self._timers[fn.name].schedule.next_after(now)
            )
        return function_message(
            id=str(uuid.uuid4()),
            body=(input or "").encode("utf-8"),
            dequeue_count=1,
            expiration_time=now + timedelta(days=7),
            insertion_time=now,
            time_next_visible=now,
            pop_receipt=None,
        )

    async def _admin_invoke(self, name: str, input: str | None) -> bool:
        fn = self.find(name)
        if fn is None:
            return False
        self._start_invocation(fn, self._manual_input(fn, input), HOST_API_REASON)
        return True

    async def _write_outputs(
        self, fn: IndexedFunction, outputs: list[tuple[dict[str, Any], meta.Datum]]
    ) -> None:
        for binding, datum in outputs:
            target = self._outputs[(fn.name, binding["name"])]
            client = self._clients.queue(target.connection_string, target.queue_name)
            for body in datum_messages(datum):
                await send_creating_queue(client, encode_message(body, self.config.queues.message_encoding))

    # -- serving ------------------------------------------------------------------------------

    def request_shutdown(self) -> None:
        """First call: graceful stop; second call: stop waiting for open HTTP connections."""
        if self._server is None:
            return
        if self._server.should_exit:
            self._server.force_exit = True
        self._server.should_exit = True

    async def serve(self, *, ready: Callable[[], None] | None = None, handle_signals: bool = True) -> None:
        """Serve HTTP on ``options.host``/``port`` until ``request_shutdown()`` or SIGINT/SIGTERM."""
        if self._app is None:
            self.index()
        port = self.options.port if self.options.port is not None else self.settings.local_http_port or 7071
        sock = socket.socket(socket.AF_INET6 if ":" in self.options.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.options.host, port))
            sock.listen(128)  # connections made right after ``ready`` wait in the backlog
        except OSError:
            sock.close()
            raise
        host = f"[{self.options.host}]" if ":" in self.options.host else self.options.host
        self.url = f"http://{host}:{sock.getsockname()[1]}"
        limits = self.options.http_limits
        config = uvicorn.Config(
            self.asgi_app,
            lifespan="off",
            log_config=None,
            access_log=False,
            http=protocol_with(limits),
            timeout_keep_alive=limits.keep_alive_timeout,
        )
        self._server = _Server(config)
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM) if handle_signals else ()
        for sig in signals:
            loop.add_signal_handler(sig, self.request_shutdown)
        try:
            await self.start()
            if ready is not None:
                ready()
            await self._server.serve(sockets=[sock])
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            await self.stop()
            sock.close()

    def describe(self) -> str:
        """Core Tools' start banner: functions, with URLs for HTTP ones."""
        lines = [f"Functions ({len(self.functions)}):", ""]
        prefix = f"{self.url}/{self.config.route_prefix}".rstrip("/")
        for route in self._routes:
            lines.append(f"\t{route.fn.name}: {route.describe(prefix)}  (auth: {route.auth_level.lower()})")
        for name, spec in self._timers.items():
            startup = " runOnStartup" if spec.run_on_startup else ""
            lines.append(f"\t{name}: timerTrigger '{spec.expression}'{startup}")
        for name, target in self._queues.items():
            encoding = self.config.queues.message_encoding
            lines.append(f"\t{name}: queueTrigger '{target.queue_name}' (messageEncoding {encoding})")
        return "\n".join(lines)
