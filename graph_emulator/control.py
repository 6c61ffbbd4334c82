"""The control plane under ``/_emulator/``: tokens, reset, seed, state dump, request log, faults, clock.

Never under the Graph paths, never authenticated: it is a local test tool. Resource packages add
their own control routes (for example recording a reviewer's decision) through ``CONTROL_ROUTES``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .auth import KNOWN_PERMISSIONS, Token
from .clock import format_datetime, parse_datetime, parse_duration
from .faults import FaultConfig
from .http import json_response, read_json, tenant
from .state import TenantState


def _problem(message: str, status: int = 400) -> Response:
    return json_response({"error": {"code": "EmulatorBadRequest", "message": message}}, status)


async def issue_token(request: Request) -> Response:
    raw = await request.body()
    body = await read_json(request) if raw.strip() else {}
    roles = body.get("roles")
    if roles is not None and (not isinstance(roles, list) or not all(isinstance(r, str) for r in roles)):
        return _problem("roles must be a list of permission names")
    try:
        value, token = issue(tenant(request), roles)
    except ValueError as exc:
        return _problem(f"{exc}; known: {', '.join(KNOWN_PERMISSIONS)}")
    return json_response(token_json(value, token))


def issue(
    state: TenantState, roles: list[str] | None, *, principal_id: str | None = None
) -> tuple[str, Token]:
    """A new bearer token value and its token (roles None: every known permission)."""
    value = f"emu.{state.ids.token()}"
    return value, state.tokens.issue(value, roles, principal_id=principal_id)


def token_json(value: str, token: Token) -> dict[str, Any]:
    """The control plane's token answer, shaped like an OAuth token response plus its roles."""
    return {
        "access_token": value,
        "token_type": "Bearer",
        "expires_in": token.expires_in(),
        "roles": sorted(token.roles),
    }


async def reset(request: Request) -> Response:
    raw = await request.body()
    seed = (await read_json(request)) if raw.strip() else None
    tenant(request).reset(seed)
    return Response(status_code=204)


async def seed(request: Request) -> Response:
    body = await read_json(request)
    try:
        tenant(request).load(body)
    except (KeyError, ValueError) as exc:
        return _problem(f"invalid seed: {exc}")
    return Response(status_code=204)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


async def dump_state(request: Request) -> Response:
    state = tenant(request)
    body: dict[str, Any] = {
        "tenant": {"id": state.tenant_id, "domain": state.domain},
        "now": format_datetime(state.clock.now()),
        "users": [_plain(u) for u in state.directory.users.values()],
        "groups": [_plain(g) for g in state.directory.groups.values()],
        "outbox": state.outbox,
    }
    for name, extension in state.extensions.items():
        dump = getattr(extension, "dump", None)
        if callable(dump):
            body[name] = dump()
    return json_response(body)


async def requests_log(request: Request) -> Response:
    state = tenant(request)
    if request.method == "DELETE":
        state.requests.clear()
        return Response(status_code=204)
    return json_response(state.requests.summary())


async def faults(request: Request) -> Response:
    state = tenant(request)
    if request.method == "PUT":
        try:
            state.faults.configure(FaultConfig.from_json(await read_json(request)))
        except (TypeError, ValueError) as exc:
            return _problem(f"invalid fault configuration: {exc}")
    return json_response(state.faults.config.to_json())


async def clock(request: Request) -> Response:
    """GET: now. POST ``{"set": "2026-04-01T00:00:00Z"}`` or ``{"advance": "P90D"}``; runs due transitions."""
    state = tenant(request)
    if request.method == "POST":
        body = await read_json(request)
        try:
            if "set" in body:
                state.clock.set(parse_datetime(str(body["set"])))
            elif "advance" in body:
                state.clock.advance(parse_duration(str(body["advance"])))
            else:
                return _problem("send {'set': datetime} or {'advance': ISO 8601 duration}")
        except ValueError as exc:
            return _problem(str(exc))
    return json_response({"now": format_datetime(state.clock.now()), "ticking": state.clock.ticking})


def routes() -> list[BaseRoute]:
    return [
        Route("/token", issue_token, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/seed", seed, methods=["POST"]),
        Route("/state", dump_state, methods=["GET"]),
        Route("/requests", requests_log, methods=["GET", "DELETE"]),
        Route("/faults", faults, methods=["GET", "PUT"]),
        Route("/clock", clock, methods=["GET", "POST"]),
    ]
