"""HTTP handlers for access-review definitions, instances and decision items (v1.0 and beta).

Each handler checks the operation's permission first (as Graph does), runs the transitions due
on the clock, calls the backend, and renders the version's JSON. Permissions per the v1.0 API
pages: reads take ``AccessReview.Read.All`` or ``AccessReview.ReadWrite.All``; writes take
``AccessReview.ReadWrite.All``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response

from graph_emulator import auth, http, odata

from .backend import AccessReviewsBackend, backend_of
from .models import QUERY_SCOPE, Json
from .render import decision_json, definition_json, instance_json, reviewer_json

READ = ("AccessReview.Read.All", "AccessReview.ReadWrite.All")
WRITE = ("AccessReview.ReadWrite.All",)
BASE = "identityGovernance/accessReviews/definitions"


def _backend(request: Request) -> AccessReviewsBackend:
    state = http.tenant(request)
    backend = backend_of(state)
    backend.advance(state.clock.now())
    return backend


def _ids(request: Request) -> tuple[str, str]:
    return request.path_params["definition_id"], request.path_params["instance_id"]


def _paged(request: Request, items: Iterable[Json], fragment: str) -> Response:
    """``$filter``/``$top``/``$skip`` paging; every list example of these pages carries ``@odata.count``
    (definitions, instances, decisions, contacted reviewers) without asking for it."""
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


def _entity(request: Request, fragment: str, item: Json) -> Response:
    selected = odata.select(item, odata.parse_select(request.query_params.get("$select")))
    return http.json_response({"@odata.context": http.context(request, f"{fragment}/$entity"), **selected})


# -- definitions -----------------------------------------------------------------------------------


async def list_definitions(request: Request) -> Response:
    auth.require(request, *READ)
    backend = _backend(request)
    version = http.version(request)
    items = [definition_json(d, backend.definition_status(d), version) for d in backend.list_definitions()]
    if "$filter" in request.query_params:  # docs: $filter is not supported on other scope types
        items = [i for i in items if i["scope"]["@odata.type"] == QUERY_SCOPE]
    return _paged(request, items, BASE)


async def create_definition(request: Request) -> Response:
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    backend = _backend(request)
    definition = backend.create_definition(body)
    payload = {
        "@odata.context": http.context(request, f"{BASE}/$entity"),
        **definition_json(definition, backend.definition_status(definition), http.version(request)),
    }
    backend.advance(backend.now)  # a series starting now starts after the answer (tutorial: "NotStarted")
    return http.json_response(payload, 201)


async def get_definition(request: Request) -> Response:
    auth.require(request, *READ)
    backend = _backend(request)
    definition = backend.get_definition(request.path_params["definition_id"])
    status = backend.definition_status(definition)
    return _entity(request, BASE, definition_json(definition, status, http.version(request)))


async def replace_definition(request: Request) -> Response:
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    backend = _backend(request)
    backend.replace_definition(request.path_params["definition_id"], body)
    backend.advance(backend.now)
    return http.no_content()


async def delete_definition(request: Request) -> Response:
    auth.require(request, *WRITE)
    _backend(request).delete_definition(request.path_params["definition_id"])
    return http.no_content()


# -- instances -------------------------------------------------------------------------------------


async def list_instances(request: Request) -> Response:
    auth.require(request, *READ)
    backend = _backend(request)
    definition_id = request.path_params["definition_id"]
    backend.get_definition(definition_id)
    version = http.version(request)
    items = [instance_json(i, version) for i in backend.instances_of(definition_id)]
    return _paged(request, items, f"{BASE}('{definition_id}')/instances")


async def get_instance(request: Request) -> Response:
    auth.require(request, *READ)
    definition_id, instance_id = _ids(request)
    instance = _backend(request).get_instance(definition_id, instance_id)
    return _entity(
        request, f"{BASE}('{definition_id}')/instances", instance_json(instance, http.version(request))
    )


async def stop_instance(request: Request) -> Response:
    auth.require(request, *WRITE)
    _backend(request).stop_instance(*_ids(request))
    return http.no_content()


async def apply_decisions(request: Request) -> Response:
    auth.require(request, *WRITE)
    _backend(request).apply_decisions(*_ids(request))
    return http.no_content()


async def accept_recommendations(request: Request) -> Response:
    """Graph grants this to delegated reviewers only; the application permission stands in here."""
    auth.require(request, *WRITE)
    _backend(request).accept_recommendations(*_ids(request))
    return http.no_content()


async def reset_decisions(request: Request) -> Response:
    auth.require(request, *WRITE)
    _backend(request).reset_decisions(*_ids(request))
    return http.no_content()


async def send_reminder(request: Request) -> Response:
    auth.require(request, *WRITE)
    _backend(request).send_reminder(*_ids(request))
    return http.no_content()


async def list_contacted_reviewers(request: Request) -> Response:
    auth.require(request, *READ)
    definition_id, instance_id = _ids(request)
    instance = _backend(request).get_instance(definition_id, instance_id)
    items = [reviewer_json(r) for r in instance.contacted_reviewers]
    fragment = f"{BASE}('{definition_id}')/instances('{instance_id}')/contactedReviewers"
    return _paged(request, items, fragment)


async def batch_record_decisions(request: Request) -> Response:
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    _backend(request).batch_record_decisions(*_ids(request), body)
    return http.no_content()


# -- decision items --------------------------------------------------------------------------------


def _service_root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def list_decisions(request: Request) -> Response:
    auth.require(request, *READ)
    definition_id, instance_id = _ids(request)
    instance = _backend(request).get_instance(definition_id, instance_id)
    version, root = http.version(request), _service_root(request)
    items = [decision_json(d, version, root) for d in instance.decisions.values()]
    fragment = f"{BASE}('{definition_id}')/instances('{instance_id}')/decisions"
    return _paged(request, items, fragment)


async def get_decision(request: Request) -> Response:
    auth.require(request, *READ)
    definition_id, instance_id = _ids(request)
    item = _backend(request).get_decision(definition_id, instance_id, request.path_params["decision_id"])
    fragment = f"{BASE}('{definition_id}')/instances('{instance_id}')/decisions"
    return _entity(request, fragment, decision_json(item, http.version(request), _service_root(request)))


async def update_decision(request: Request) -> Response:
    """PATCH a decision item. Graph grants this to delegated reviewers only; see the docs page."""
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    definition_id, instance_id = _ids(request)
    _backend(request).update_decision(definition_id, instance_id, request.path_params["decision_id"], body)
    return http.no_content()
