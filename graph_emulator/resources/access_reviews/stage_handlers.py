"""HTTP handlers for the stages of a multi-stage instance and their decision items (v1.0 and beta).

Permissions per the v1.0 pages: listing stages, getting one and listing a stage's decisions take
``AccessReview.Read.All`` or ``AccessReview.ReadWrite.All``; update, stop, batchRecordDecisions
and acceptRecommendations take ``AccessReview.ReadWrite.All`` (acceptRecommendations and
recording a decision are, as on instances, the application permission standing in for a
reviewer's delegated one). A single-stage instance has no stages: an empty list.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from graph_emulator import auth, http

from .endpoints import backend, entity, ids, instance_fragment, paged, service_root
from .handlers import READ, WRITE
from .render import decision_json, stage_json


def _stage_ids(request: Request) -> tuple[str, str, str]:
    return (*ids(request), request.path_params["stage_id"])


def _stage_fragment(request: Request) -> str:
    return f"{instance_fragment(request)}/stages('{request.path_params['stage_id']}')"


async def list_stages(request: Request) -> Response:
    auth.require(request, *READ)
    instance = backend(request).get_instance(*ids(request))
    return paged(request, [stage_json(s) for s in instance.stages], f"{instance_fragment(request)}/stages")


async def get_stage(request: Request) -> Response:
    auth.require(request, *READ)
    _, stage = backend(request).get_stage(*_stage_ids(request))
    return entity(request, f"{instance_fragment(request)}/stages", stage_json(stage))


async def update_stage(request: Request) -> Response:
    """200 with the updated stage, as the update page answers."""
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    stage = backend(request).update_stage(*_stage_ids(request), body)
    context = http.context(request, f"{instance_fragment(request)}/stages/$entity")
    return http.json_response({"@odata.context": context, **stage_json(stage)})


async def stop_stage(request: Request) -> Response:
    auth.require(request, *WRITE)
    backend(request).stop_stage(*_stage_ids(request))
    return http.no_content()


async def accept_recommendations(request: Request) -> Response:
    auth.require(request, *WRITE)
    backend(request).accept_stage_recommendations(*_stage_ids(request))
    return http.no_content()


async def batch_record_decisions(request: Request) -> Response:
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    backend(request).batch_record_stage_decisions(*_stage_ids(request), body)
    return http.no_content()


async def list_decisions(request: Request) -> Response:
    auth.require(request, *READ)
    _, stage = backend(request).get_stage(*_stage_ids(request))
    version, root = http.version(request), service_root(request)
    items = [decision_json(d, version, root) for d in stage.decisions.values()]
    return paged(request, items, f"{_stage_fragment(request)}/decisions")


async def get_decision(request: Request) -> Response:
    auth.require(request, *READ)
    item = backend(request).get_stage_decision(*_stage_ids(request), request.path_params["decision_id"])
    version, root = http.version(request), service_root(request)
    return entity(request, f"{_stage_fragment(request)}/decisions", decision_json(item, version, root))


async def update_decision(request: Request) -> Response:
    auth.require(request, *WRITE)
    body = await http.read_json(request)
    backend(request).update_stage_decision(*_stage_ids(request), request.path_params["decision_id"], body)
    return http.no_content()
