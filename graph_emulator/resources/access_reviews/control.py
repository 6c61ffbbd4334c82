"""Control-plane additions for access reviews (under ``/_emulator``, never authenticated).

- ``POST /users/{id}/lastSignIn`` ``{"at": "2026-01-01T10:00:00Z"}`` (or ``null``): the sign-in
  time that recommendations read;
- ``POST /accessReviews/decisions``: a reviewer records a decision, as the reviewer would in
  My Access: ``{"instanceId" | "definitionId" | "groupId", "principalId" | "decisionId",
  "decision", "justification", "reviewerId"}``; without ``reviewerId`` the item's first
  reviewer (an owner, a sponsor, a fallback reviewer), else the group's first owner; in a
  multi-stage instance the decision goes to the current stage;
- ``GET /accessReviews/instances[?definitionId=]``: every instance, with its definition, group
  and stages;
- ``GET /accessReviews``: the backend's state (also part of ``GET /_emulator/state``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from graph_emulator.clock import format_datetime, parse_datetime
from graph_emulator.errors import BadRequest, ResourceNotFound
from graph_emulator.http import json_response, read_json, tenant

from .backend import AccessReviewsBackend
from .endpoints import backend as _backend
from .models import IN_PROGRESS, Decision, Instance, Json
from .render import decision_json, instance_json, stage_json
from .stage_decisions import counterpart


async def set_last_sign_in(request: Request) -> Response:
    state = tenant(request)
    user = state.directory.user(request.path_params["user_id"])
    if user is None:
        raise ResourceNotFound(request.path_params["user_id"])
    body = await read_json(request)
    if "at" not in body:
        raise BadRequest("Send {'at': ISO 8601 datetime or null}.", code="EmulatorBadRequest")
    try:
        user.last_sign_in = None if body["at"] is None else parse_datetime(str(body["at"]))
    except ValueError as exc:
        raise BadRequest(f"Invalid datetime '{body['at']}'.", code="EmulatorBadRequest") from exc
    at = format_datetime(user.last_sign_in) if user.last_sign_in else None
    return json_response({"id": user.id, "lastSignInDateTime": at})


async def dump(request: Request) -> Response:
    return json_response(_backend(request).dump())


async def list_all_instances(request: Request) -> Response:
    backend = _backend(request)
    wanted = request.query_params.get("definitionId")
    items = [
        {
            **instance_json(i, "v1.0"),
            "definitionId": i.definition_id,
            "groupId": i.group_id,
            "decisionCount": len(i.decisions),
            "stages": [{**stage_json(s), "stageId": s.settings["stageId"]} for s in i.stages],
        }
        for i in backend.instances.values()
        if wanted is None or i.definition_id == wanted
    ]
    return json_response({"value": items})


def _targets(backend: AccessReviewsBackend, body: Json) -> list[tuple[Instance, list[Decision]]]:
    """The decision items a control-plane request names, grouped by instance."""
    instances = [
        i
        for i in backend.instances.values()
        if (body.get("instanceId") in (None, i.id))
        and (body.get("definitionId") in (None, i.definition_id))
        and (body.get("groupId") in (None, i.group_id))
        and (body.get("instanceId") is not None or i.status == IN_PROGRESS)
    ]
    found: list[tuple[Instance, list[Decision]]] = []
    for instance in instances:
        items = [
            d
            for d in instance.decisions.values()
            if body.get("decisionId") in (None, d.id) and body.get("principalId") in (None, d.principal_id)
        ]
        if items:
            found.append((instance, items))
    return found


async def record_decision(request: Request) -> Response:
    backend = _backend(request)
    body = await read_json(request)
    if body.get("decisionId") is None and body.get("principalId") is None:
        raise BadRequest(
            "Name the decision: decisionId, or principalId (with instanceId, definitionId or groupId)."
        )
    found = _targets(backend, body)
    if not found:
        raise ResourceNotFound(str(body.get("decisionId") or body.get("principalId")))
    version_root = str(request.base_url).rstrip("/")
    recorded: list[Json] = []
    for instance, items in found:
        reviewer = _reviewer(backend, instance, items, body.get("reviewerId"))
        backend.record_as_reviewer(instance, items, body, reviewer)
        recorded.extend(decision_json(d, "v1.0", version_root) for d in items)
    return json_response({"value": recorded})


def _reviewer(
    backend: AccessReviewsBackend, instance: Instance, items: list[Decision], reviewer_id: object
) -> Json:
    directory = backend.state.directory
    if reviewer_id is None:
        group = directory.group(instance.group_id or "")
        candidates = [*counterpart(instance, items[0]).reviewer_ids, *(group.owners if group else [])]
        if not candidates:
            raise BadRequest(
                "reviewerId is required: the item has no reviewer and the group no owner.",
                code="EmulatorBadRequest",
            )
        reviewer_id = candidates[0]
    user = directory.user(str(reviewer_id))
    if user is None:
        raise BadRequest(
            f"Reviewer '{reviewer_id}' is not a user in the directory.", code="EmulatorBadRequest"
        )
    return {
        "id": user.id,
        "displayName": user.display_name or "",
        "userPrincipalName": user.user_principal_name,
    }
