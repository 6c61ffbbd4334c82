"""HTTP handlers for access-review definitions, instances and decision items (v1.0 and beta);
stages have theirs in ``stage_handlers``.

Each handler checks the operation's permission first (as Graph does), runs the transitions due
on the clock, calls the backend, and renders the version's JSON. Permissions per the v1.0 API
pages: reads take ``AccessReview.Read.All`` or ``AccessReview.ReadWrite.All``; writes take
``AccessReview.ReadWrite.All``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from graph_emulator import auth, http

from .endpoints import BASE, backend, entity, ids, instance_fragment, paged, service_root
from .models import QUERY_SCOPE
from .render import decision_json, definition_json, instance_json, reviewer_json

READ = ("AccessReview.Read.All", "AccessReview.ReadWrite.All")
WRITE = ("AccessReview.ReadWrite.All",)

# -- definitions -----------------------------------------------------------------------------------


async def list_definitions(request: Request) -> Response:
    auth.require(request, *READ)
    reviews = backend(request)
    version = http.version(request)
    items = [definition_json(d, reviews.definition_status(d), version) for d in reviews.list_definitions()]
    if "$filter" in request.query_params:  # docs: $filter is not supported on other scope types
        items = [i for i in items if i["scope"]["@odata.type"] == QUERY_SCOPE]
    return paged(request, items, BASE)


async def create_definition(request: Request) -> Response:
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    reviews = backend(request)
    definition = reviews.create_definition(body)
    payload = {
        "@odata.context": http.context(request, f"{BASE}/$entity"),
        **definition_json(definition, reviews.definition_status(definition), http.version(request)),
    }
    reviews.advance(reviews.now)  # a series starting now starts after the answer (tutorial: "NotStarted")
    return http.json_response(payload, 201)


async def get_definition(request: Request) -> Response:
    auth.require(request, *READ)
    reviews = backend(request)
    definition = reviews.get_definition(request.path_params["definition_id"])
    status = reviews.definition_status(definition)
    return entity(request, BASE, definition_json(definition, status, http.version(request)))


async def replace_definition(request: Request) -> Response:
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    reviews = backend(request)
    reviews.replace_definition(request.path_params["definition_id"], body)
    reviews.advance(reviews.now)
    return http.no_content()


async def delete_definition(request: Request) -> Response:
    auth.require(request, *WRITE)
    backend(request).delete_definition(request.path_params["definition_id"])
    return http.no_content()


# -- instances -------------------------------------------------------------------------------------


async def list_instances(request: Request) -> Response:
    auth.require(request, *READ)
    reviews = backend(request)
    definition_id = request.path_params["definition_id"]
    reviews.get_definition(definition_id)
    version = http.version(request)
    items = [instance_json(i, version) for i in reviews.instances_of(definition_id)]
    return paged(request, items, f"{BASE}('{definition_id}')/instances")


async def get_instance(request: Request) -> Response:
    auth.require(request, *READ)
    definition_id, instance_id = ids(request)
    instance = backend(request).get_instance(definition_id, instance_id)
    return entity(
        request, f"{BASE}('{definition_id}')/instances", instance_json(instance, http.version(request))
    )


async def stop_instance(request: Request) -> Response:
    auth.require(request, *WRITE)
    backend(request).stop_instance(*ids(request))
    return http.no_content()


async def apply_decisions(request: Request) -> Response:
    auth.require(request, *WRITE)
    backend(request).apply_decisions(*ids(request))
    return http.no_content()


async def accept_recommendations(request: Request) -> Response:
    """Graph grants this to delegated reviewers only; the application permission stands in here."""
    auth.require(request, *WRITE)
    backend(request).accept_recommendations(*ids(request))
    return http.no_content()


async def reset_decisions(request: Request) -> Response:
    auth.require(request, *WRITE)
    backend(request).reset_decisions(*ids(request))
    return http.no_content()


async def send_reminder(request: Request) -> Response:
    auth.require(request, *WRITE)
    backend(request).send_reminder(*ids(request))
    return http.no_content()


async def list_contacted_reviewers(request: Request) -> Response:
    auth.require(request, *READ)
    definition_id, instance_id = ids(request)
    instance = backend(request).get_instance(definition_id, instance_id)
    items = [reviewer_json(r) for r in instance.contacted_reviewers]
    return paged(request, items, f"{instance_fragment(request)}/contactedReviewers")


async def batch_record_decisions(request: Request) -> Response:
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    backend(request).batch_record_decisions(*ids(request), body)
    return http.no_content()


# -- decision items --------------------------------------------------------------------------------


async def list_decisions(request: Request) -> Response:
    auth.require(request, *READ)
    definition_id, instance_id = ids(request)
    instance = backend(request).get_instance(definition_id, instance_id)
    version, root = http.version(request), service_root(request)
    items = [decision_json(d, version, root) for d in instance.decisions.values()]
    return paged(request, items, f"{instance_fragment(request)}/decisions")


async def get_decision(request: Request) -> Response:
    auth.require(request, *READ)
    definition_id, instance_id = ids(request)
    item = backend(request).get_decision(definition_id, instance_id, request.path_params["decision_id"])
    fragment = f"{instance_fragment(request)}/decisions"
    return entity(request, fragment, decision_json(item, http.version(request), service_root(request)))


async def update_decision(request: Request) -> Response:
    """PATCH a decision item. Graph grants this to delegated reviewers only; see the docs page."""
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    definition_id, instance_id = ids(request)
    backend(request).update_decision(definition_id, instance_id, request.path_params["decision_id"], body)
    return http.no_content()
