"""What every access-review HTTP handler shares: the tenant's backend with the transitions due on
its clock run first, path ids, and list and entity answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response

from graph_emulator import http, odata

from .backend import AccessReviewsBackend, backend_of
from .models import Json

BASE = "identityGovernance/accessReviews/definitions"


def backend(request: Request) -> AccessReviewsBackend:
    state = http.tenant(request)
    found = backend_of(state)
    found.advance(state.clock.now())
    return found


def ids(request: Request) -> tuple[str, str]:
    return request.path_params["definition_id"], request.path_params["instance_id"]


def instance_fragment(request: Request) -> str:
    definition_id, instance_id = ids(request)
    return f"{BASE}('{definition_id}')/instances('{instance_id}')"


def service_root(request: Request) -> str:
    """The emulator's address without a version, for ``principalLink``."""
    return str(request.base_url).rstrip("/")


def paged(request: Request, items: Iterable[Json], fragment: str) -> Response:
    """``$filter``/``$top``/``$skip`` paging; every list example of these pages carries ``@odata.count``
    (definitions, instances, stages, decisions, contacted reviewers) without asking for it."""
    params = dict(request.query_params)
    query = dataclasses.replace(
        odata.parse_list_query(params, default_top=100, skip_supported=True), count=True
    )
    body = odata.page(
        items,
        query,
        context=http.context(request, fragment),
        self_url=f"{str(request.base_url).rstrip('/')}{request.url.path}",
        params=params,
        skip_style=True,
    )
    return http.json_response(body)


def entity(request: Request, fragment: str, item: Json) -> Response:
    selected = odata.select(item, odata.parse_select(request.query_params.get("$select")))
    return http.json_response({"@odata.context": http.context(request, f"{fragment}/$entity"), **selected})
