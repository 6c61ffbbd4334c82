"""Helpers every resource handler uses: the tenant of a request, JSON in and out, list responses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import odata
from .errors import BadRequest
from .state import TenantState


def tenant(request: Request) -> TenantState:
    state: TenantState = request.scope["tenant"]
    return state


def version(request: Request) -> str:
    """``v1.0`` or ``beta``: the version segment the request came in on."""
    value: str = request.scope["graph_version"]
    return value


def graph_base(request: Request) -> str:
    """The absolute service root, e.g. ``http://127.0.0.1:8765/v1.0``."""
    return f"{str(request.base_url).rstrip('/')}/{version(request)}"


def context(request: Request, fragment: str) -> str:
    return f"{graph_base(request)}/$metadata#{fragment}"


def is_eventual(request: Request) -> bool:
    """Whether the request opted into advanced directory queries (``ConsistencyLevel: eventual``).

    ``$expand`` is served only outside advanced queries (aad-advanced-queries), so a request that
    expands is answered as if it had no header: its ``$count=true`` is ignored and its ``$search``
    refused, as Graph does.
    """
    eventual = request.headers.get("consistencylevel", "").strip().lower() == "eventual"
    return eventual and "$expand" not in request.query_params


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type="application/json",
        headers={"OData-Version": "4.0", **(headers or {})},
    )


def no_content() -> Response:
    return Response(status_code=204)


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        raise BadRequest("Empty Payload, JSON content expected", code="BadRequest")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and "
            "payload is of valid JSON format.",
            code="BadRequest",
        ) from exc
    if not isinstance(body, dict):
        raise BadRequest("The request payload must be a JSON object.", code="BadRequest")
    return body


def list_response(
    request: Request,
    items: Iterable[dict[str, Any]],
    fragment: str,
    *,
    default_top: int = 100,
    max_top: int = 999,
    skip_style: bool = False,
    default_select: Sequence[str] | Callable[[dict[str, Any]], Sequence[str]] | None = None,
    advanced_count: bool = False,
    expand: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Response:
    """A paged collection: ``$filter``, ``$count``, ``$top`` and paging, then ``$select``.

    ``default_select`` is the property set returned without ``$select`` (Graph's default
    properties; filters still see every property), or a function giving each item's own (a
    ``directoryObject`` collection holds types with different defaults). ``advanced_count`` models
    directory objects, where ``$count=true`` is silently ignored unless ``ConsistencyLevel:
    eventual`` is sent.
    ``expand`` adds an item's expanded relationships (``$expand``) to its selected properties.
    """
    params = dict(request.query_params)
    query = odata.parse_list_query(
        params, default_top=default_top, max_top=max_top, skip_supported=skip_style
    )
    if query.select is None and default_select is not None and not callable(default_select):
        query = replace(query, select=list(default_select))
    if advanced_count and not is_eventual(request):
        query = replace(query, count=False)
    self_url = f"{str(request.base_url).rstrip('/')}{request.url.path}"
    body = odata.page(
        items,
        query,
        context=context(request, fragment),
        self_url=self_url,
        params=params,
        skip_style=skip_style,
        default_select=default_select if callable(default_select) else None,
        expand=expand,
    )
    return json_response(body)


def reference_id(value: Any) -> str:
    """The object id at the end of an ``@odata.id`` / ``@odata.bind`` URL."""
    if not isinstance(value, str) or not value:
        raise BadRequest("Invalid object identifier ''.", code="Request_BadRequest")
    tail = value.rstrip("/").rsplit("/", 1)[-1]
    # forms: .../directoryObjects/{id}, .../users/{id}, .../directoryObjects('{id}')
    if "(" in tail:
        tail = tail.split("(", 1)[1].rstrip(")").strip("'")
    if not tail:
        raise BadRequest(f"Invalid object identifier '{value}'.", code="Request_BadRequest")
    return tail
