"""The host's HTTP front end: function routes under ``routePrefix`` with keys, plus admin endpoints.

Authorization is enforced as in Azure (Core Tools skips it locally): ``anonymous`` needs no key,
``function`` accepts the function key or the master key, ``admin`` only the master key; the key
comes in the ``x-functions-key`` header or the ``code`` query parameter; otherwise 401 with an
empty body. A route whose method is not allowed does not match (404), as in ASP.NET routing.
``/admin/functions/{name}`` follows Core Tools: no key needed locally, answers 202 and runs the
function in the background. A body that arrives too slowly gets 408 (``devhost.limits``); a client
that leaves before its body is in is one log line, and nothing runs.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.http import HttpRequest
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devhost.indexing import IndexedFunction
from devhost.invocation import InvocationResult
from devhost.limits import HttpLimits, RequestBodyTimeout, read_body
from devhost.routing import RouteTemplate

log = logging.getLogger("devhost")

HttpInvoke = Callable[[IndexedFunction, func.HttpRequest], Awaitable[InvocationResult]]
AdminInvoke = Callable[[str, str | None], Awaitable[bool]]
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")


@dataclass(frozen=True)
class Keys:
    function_key: str
    master_key: str
    enforce: bool = True

    def allows(self, auth_level: str, supplied: str | None) -> bool:
        level = auth_level.upper()
        if not self.enforce or level == "ANONYMOUS":
            return True
        if supplied is None:
            return False
        accepted = [self.master_key] if level == "ADMIN" else [self.function_key, self.master_key]
        return any(hmac.compare_digest(supplied.encode(), key.encode()) for key in accepted)


@dataclass(frozen=True)
class HttpRoute:
    fn: IndexedFunction
    template: RouteTemplate
    methods: frozenset[str]
    auth_level: str

    @classmethod
    def of(cls, fn: IndexedFunction) -> HttpRoute:
        methods = fn.trigger.get("methods") or ALL_METHODS
        return cls(
            fn=fn,
            template=RouteTemplate.parse(str(fn.trigger.get("route") or fn.name)),
            methods=frozenset(str(m).upper() for m in methods),
            auth_level=str(fn.trigger.get("authLevel") or "FUNCTION"),
        )

    def describe(self, base_url: str) -> str:
        methods = ",".join(sorted(self.methods)) if len(self.methods) < len(ALL_METHODS) else "ALL"
        return f"[{methods}] {base_url}/{self.template.template.strip('/')}"


def _multi(items: list[tuple[str, str]]) -> dict[str, str]:
    """Repeated headers or query parameters joined with commas (ASP.NET ``StringValues``)."""
    joined: dict[str, str] = {}
    for key, value in items:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def raw_path(request: Request) -> str:
    """The path as sent (still percent-encoded), without the query string."""
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    return raw.decode("latin-1").split("?", 1)[0]


async def receive_body(request: Request, limits: HttpLimits, what: str) -> bytes | Response:
    """The request body, or the response that ends a request whose body never arrived whole."""
    try:
        return await read_body(request.receive, limits)
    except RequestBodyTimeout as exc:
        log.info("HTTP %s %s -> 408: request body too slow (%s)", request.method, what, exc)
        return Response(status_code=408, headers={"connection": "close"})  # Kestrel's answer
    except ClientDisconnect:
        # The host's HandleCancellationMiddleware: one line and status 499, which nobody receives.
        log.info("HTTP %s %s -> 499: the request was aborted by the client", request.method, what)
        return Response(status_code=499)


def to_function_request(request: Request, route_params: dict[str, str], body: bytes) -> HttpRequest:
    query = request.url.query
    return HttpRequest(
        method=request.method,
        url=f"{request.url.scheme}://{request.url.netloc}{raw_path(request)}"
        + (f"?{query}" if query else ""),
        headers=_multi(request.headers.items()),
        params=_multi(list(request.query_params.multi_items())),
        route_params=route_params,
        body_type="bytes",
        body=body,
    )


def to_starlette_response(datum: meta.Datum | None) -> Response:
    """Render what the worker would have sent back: a ``string`` or an ``http`` datum."""
    if datum is None:
        return Response(status_code=204)
    if datum.type == "string":
        return Response(str(datum.value), media_type="text/plain; charset=utf-8")
    value: dict[str, Any] = datum.value
    response = Response(value["body"].value or b"", status_code=int(value["status_code"].value))
    response.raw_headers = [
        (name.lower().encode("latin-1"), str(header.value).encode("latin-1"))
        for name, header in value["headers"].items()
    ]
    for cookie in value.get("cookies") or []:
        assert isinstance(cookie, SimpleCookie)
        for morsel in cookie.values():
            response.raw_headers.append((b"set-cookie", morsel.OutputString().encode("latin-1")))
    if response.status_code >= 200 and response.status_code not in (204, 304):
        response.raw_headers.append((b"content-length", str(len(response.body)).encode()))
    return response


def build_app(
    *,
    routes: list[HttpRoute],
    route_prefix: str,
    keys: Keys,
    limits: HttpLimits,
    invoke: HttpInvoke,
    admin: AdminInvoke,
) -> Starlette:
    ordered = sorted(routes, key=lambda r: r.template.precedence)
    prefix = f"/{route_prefix.strip('/')}" if route_prefix.strip("/") else ""

    async def dispatch(request: Request) -> Response:
        path = raw_path(request)
        if prefix and not (path.lower() == prefix.lower() or path.lower().startswith(prefix.lower() + "/")):
            return Response(status_code=404)
        relative = path[len(prefix) :]
        for route in ordered:
            values = route.template.match(relative)
            if values is None or request.method.upper() not in route.methods:
                continue
            supplied = request.headers.get("x-functions-key") or request.query_params.get("code")
            if not keys.allows(route.auth_level, supplied):
                return Response(status_code=401)
            template = route.template.template
            body = await receive_body(request, limits, template)
            if isinstance(body, Response):
                return body
            result = await invoke(route.fn, to_function_request(request, values, body))
            response = (
                to_starlette_response(result.http_response) if result.succeeded else Response(status_code=500)
            )
            status = response.status_code
            log.info("HTTP %s %s -> %d (Id=%s)", request.method, template, status, result.invocation_id)
            return response
        return Response(status_code=404)

    async def admin_invoke(request: Request) -> Response:
        body = await receive_body(request, limits, "/admin/functions/{name}")
        if isinstance(body, Response):
            return body
        try:
            payload = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return JSONResponse({"error": 'body must be JSON like {"input": "..."}'}, status_code=400)
        value = payload.get("input") if isinstance(payload, dict) else None
        if isinstance(value, dict | list):
            return JSONResponse({"error": "'input' must be a string, number or boolean"}, status_code=400)
        text = None if value is None else value if isinstance(value, str) else json.dumps(value)
        try:
            found = await admin(request.path_params["name"], text)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return Response(status_code=202) if found else Response(status_code=404)

    async def host_status(request: Request) -> Response:
        return JSONResponse({"state": "Running"})

    return Starlette(
        routes=[
            Route("/admin/host/status", host_status, methods=["GET"]),
            Route("/admin/functions/{name}", admin_invoke, methods=["POST"]),
            Route("/{path:path}", dispatch, methods=list(ALL_METHODS)),
        ]
    )
