"""The emulator's ASGI application: Graph under ``/v1.0`` and ``/beta``, control plane under ``/_emulator``.

Every Graph request passes the same gate, in Graph's order: authentication (401), then injected
faults and throttling (429/5xx), then the resource handler, which checks the operation's permission
(403). ``$batch`` items go through the same gate one by one, as Graph evaluates them individually.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Message, Receive, Scope, Send

from . import control
from .clock import format_datetime
from .errors import BadRequest, GraphError, MethodNotAllowed, SegmentNotFound
from .http import json_response, read_json, tenant
from .resources import control_routes, graph_routes
from .state import LoggedRequest, TenantState

VERSIONS = ("v1.0", "beta")
MAX_BATCH = 20


def _render(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        if exc.status_code == 405:
            exc = MethodNotAllowed()
        else:
            segment = request.url.path.rstrip("/").rsplit("/", 1)[-1]
            exc = SegmentNotFound(segment)
    assert isinstance(exc, GraphError)
    state = tenant(request)
    body = exc.body(
        date=format_datetime(state.clock.now()),
        request_id=request.scope.get("graph_request_id", ""),
        client_request_id=request.headers.get("client-request-id", request.scope.get("graph_request_id", "")),
    )
    return json_response(body, exc.status, exc.headers)


async def _render_async(request: Request, exc: Exception) -> Response:
    return _render(request, exc)


async def batch(request: Request) -> Response:
    """``POST /$batch``: up to 20 requests, unique ids, ``dependsOn`` (``depends_on`` tolerated)."""
    body = await read_json(request)
    items = body.get("requests")
    if not isinstance(items, list) or not items:
        raise BadRequest("Invalid batch payload format.", code="BadRequest")
    if len(items) > MAX_BATCH:
        raise BadRequest(
            f"Number of batch request steps exceeds the maximum of {MAX_BATCH}.", code="BadRequest"
        )
    ids: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not item.get("id") or not item.get("method") or not item.get("url"):
            raise BadRequest(
                "Invalid batch payload format: id, method and url are required.", code="BadRequest"
            )
        ident = str(item["id"])
        if ident.lower() in (i.lower() for i in ids):
            raise BadRequest(f"Batch request ids must be unique: '{ident}' repeats.", code="BadRequest")
        for dep in _depends_on(item):
            if dep.lower() not in (i.lower() for i in ids):
                raise BadRequest(f"Request '{ident}' depends on unknown request '{dep}'.", code="BadRequest")
        if "body" in item and not _has_content_type(item):
            raise BadRequest("Content-Type header is required when a body is present.", code="BadRequest")
        ids.append(ident)

    emulator: EmulatorApp = request.scope["emulator"]
    results: dict[str, int] = {}
    responses: list[dict[str, Any]] = []
    for item in items:
        ident = str(item["id"])
        failed = [d for d in _depends_on(item) if results.get(d.lower(), 0) >= 400]
        if failed:
            status, headers, payload = (
                424,
                {"Content-Type": "application/json"},
                {"error": {"code": "FailedDependency", "message": f"Dependency '{failed[0]}' failed."}},
            )
        else:
            status, headers, payload = await emulator.dispatch_inner(request.scope, item)
        results[ident.lower()] = status
        entry: dict[str, Any] = {"id": ident, "status": status, "headers": headers}
        if payload is not None:
            entry["body"] = payload
        responses.append(entry)
    return json_response({"responses": responses})


def _depends_on(item: dict[str, Any]) -> list[str]:
    deps = item.get("dependsOn", item.get("depends_on")) or []
    return [str(d) for d in deps]


def _canonical(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def _has_content_type(item: dict[str, Any]) -> bool:
    headers = item.get("headers") or {}
    return any(k.lower() == "content-type" for k in headers)


class EmulatorApp:
    """Dispatches Graph and control-plane requests over one explicit ``TenantState``."""

    def __init__(self, state: TenantState) -> None:
        self.state = state
        routes: list[BaseRoute] = [Route("/$batch", batch, methods=["POST"]), *graph_routes()]
        self.graph = Starlette(
            routes=[Mount(f"/{v}", routes=routes) for v in VERSIONS],
            exception_handlers={GraphError: _render_async, HTTPException: _render_async},
        )
        self.control = Starlette(
            routes=[Mount("/_emulator", routes=[*control.routes(), *control_routes()])],
            exception_handlers={GraphError: _render_async},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        scope["tenant"] = self.state
        scope["emulator"] = self
        if scope["path"].startswith("/_emulator"):
            await self.control(scope, receive, send)
            return
        latency = self.state.faults.config.latency_ms
        if latency > 0:
            await asyncio.sleep(latency / 1000)
        await self._serve_graph(scope, receive, send, inner=False)

    async def _serve_graph(self, scope: Scope, receive: Receive, send: Send, *, inner: bool) -> None:
        path: str = scope["path"]
        version = path.lstrip("/").split("/", 1)[0]
        scope["graph_version"] = version if version in VERSIONS else "v1.0"
        scope["graph_request_id"] = str(uuid.uuid4())
        status_box = {"status": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"request-id", scope["graph_request_id"].encode()))
                message = {**message, "headers": headers}
            await send(message)

        error = self._gate(scope, version)
        if error is not None:
            await self._send_error(scope, receive, capture, error)
        else:
            if self.state.clock.ticking:
                self.state.clock.run_due()
            await self.graph(scope, receive, capture)
        route = scope.get("route")
        template = f"/{version}{route.path}" if isinstance(route, Route) else path
        self.state.requests.add(LoggedRequest(scope["method"], path, template, status_box["status"], inner))

    def _gate(self, scope: Scope, version: str) -> GraphError | None:
        if version not in VERSIONS:
            return SegmentNotFound(version)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        try:
            scope["graph_token"] = self.state.tokens.authenticate(headers.get("authorization"))
        except GraphError as exc:
            return exc
        graph_path = scope["path"][len(version) + 1 :]
        if graph_path.rstrip("/") == "/$batch":
            return None
        return self.state.faults.check(scope["method"], graph_path)

    async def _send_error(self, scope: Scope, receive: Receive, send: Send, error: GraphError) -> None:
        response = _render(Request(scope, receive), error)
        await response(scope, receive, send)

    async def dispatch_inner(self, outer: Scope, item: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        """Serve one ``$batch`` item through the full gate and return (status, headers, body)."""
        url = str(item["url"])
        parts = urlsplit(url if url.startswith("/") else f"/{url}")
        version = outer["graph_version"]
        headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        body = item.get("body")
        raw = b"" if body is None else json.dumps(body).encode()
        outer_headers = dict(outer["headers"])
        for name in (b"authorization", b"host"):  # the item acts for the same caller, on the same root
            if name in outer_headers:
                headers.setdefault(name.decode(), outer_headers[name].decode())
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": str(item["method"]).upper(),
            "scheme": outer["scheme"],
            "server": outer.get("server"),
            "client": outer.get("client"),
            "root_path": "",
            "path": f"/{version}{parts.path}",
            "raw_path": f"/{version}{parts.path}".encode(),
            "query_string": parts.query.encode(),
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            "tenant": self.state,
            "emulator": self,
        }
        chunks: list[bytes] = []
        start: dict[str, Any] = {}
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self._serve_graph(scope, receive, send, inner=True)
        response_headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
        payload_raw = b"".join(chunks)
        keep = {"content-type", "retry-after", "location"}
        # Graph writes item header names in canonical case ("Content-Type", "Retry-After").
        out_headers = {_canonical(k): v for k, v in response_headers.items() if k.lower() in keep}
        payload = json.loads(payload_raw) if payload_raw else None
        return int(start.get("status", 500)), out_headers, payload


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(state: TenantState | None = None, **state_options: Any) -> EmulatorApp:
    """The emulator as an ASGI app over ``state`` (a fresh default tenant when omitted)."""
    return EmulatorApp(state or TenantState(**state_options))
