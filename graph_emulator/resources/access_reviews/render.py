"""JSON shapes of definitions, instances, stages and decision items, per API version.

v1.0 and beta read the same state. Every property v1.0 renders exists in its schema (what the
SDK's typed models parse); beta adds its documented extras. The differences: an all-groups
instance's scope query carries a ``/v1.0`` prefix on v1.0 and none on beta, where a query scope
also comes without its type and root (the beta tutorial);
beta decision items also carry the legacy ``target`` object, beta definitions
``backupReviewers`` with the value of ``fallbackReviewers`` (either one populates the other), and
beta stage settings their ``recommendationLookBackDuration`` (listed on the v1.0 page too, but
absent from v1.0's schema).
"""

from __future__ import annotations

import copy
from datetime import datetime

from graph_emulator.clock import format_datetime

from .models import NOBODY, QUERY_SCOPE, Decision, Definition, Instance, Json, Reviewer, Stage


def _time(value: datetime | None) -> str | None:
    return format_datetime(value) if value is not None else None


def definition_json(definition: Definition, status: str, version: str) -> Json:
    body = copy.deepcopy(definition.body)
    rendered: Json = {
        "id": definition.id,
        "displayName": body["displayName"],
        "createdDateTime": _time(definition.created),
        "lastModifiedDateTime": _time(definition.modified),
        "status": status,
        "descriptionForAdmins": body["descriptionForAdmins"],
        "descriptionForReviewers": body["descriptionForReviewers"],
        "createdBy": dict(definition.created_by),
        "scope": body["scope"],
        "instanceEnumerationScope": body["instanceEnumerationScope"],
        "reviewers": body["reviewers"],
        "fallbackReviewers": body["fallbackReviewers"],
        "settings": body["settings"],
        "stageSettings": [_stage_settings(s, version) for s in body["stageSettings"]],
        "additionalNotificationRecipients": body["additionalNotificationRecipients"],
    }
    if version == "beta":  # the beta property fallbackReviewers replaces; v1.0's schema lacks it
        rendered["backupReviewers"] = copy.deepcopy(body["fallbackReviewers"])
    return rendered


def _stage_settings(settings: Json, version: str) -> Json:
    if version == "beta":
        return settings
    return {k: v for k, v in settings.items() if k != "recommendationLookBackDuration"}


def instance_json(instance: Instance, version: str) -> Json:
    scope = copy.deepcopy(instance.scope)
    if instance.versioned_scope and version == "v1.0":
        scope["query"] = f"/v1.0{scope['query']}"
    if version == "beta" and scope["@odata.type"] == QUERY_SCOPE:  # as the beta tutorial shows it
        scope = {k: v for k, v in scope.items() if k not in ("@odata.type", "queryRoot")}
    return {
        "id": instance.id,
        "startDateTime": _time(instance.start),
        "endDateTime": _time(instance.end),
        "status": instance.status,
        "scope": scope,
        "reviewers": copy.deepcopy(instance.reviewers),
        "fallbackReviewers": copy.deepcopy(instance.fallback_reviewers),
    }


def stage_json(stage: Stage) -> Json:
    """``accessReviewStage``, as the list-stages example shows it (the same on both versions)."""
    return {
        "id": stage.id,
        "startDateTime": _time(stage.start),
        "endDateTime": _time(stage.end),
        "status": stage.status,
        "reviewers": copy.deepcopy(stage.reviewers),
        "fallbackReviewers": copy.deepcopy(stage.fallback_reviewers),
    }


def decision_json(item: Decision, version: str, service_root: str) -> Json:
    """``service_root`` is the emulator's address without a version, for ``principalLink``."""
    body: Json = {
        "id": item.id,
        "accessReviewId": item.instance_id,
        "reviewedDateTime": _time(item.reviewed_at),
        "decision": item.decision,
        "justification": item.justification,
        "appliedDateTime": _time(item.applied_at),
        "applyResult": item.apply_result,
        "recommendation": item.recommendation,
        "principalLink": f"{service_root}/v1.0/users/{item.principal_id}",
        "resourceLink": None,
        "resource": None,
        "reviewedBy": dict(item.reviewed_by or NOBODY),
        "appliedBy": dict(item.applied_by or NOBODY),
        "principal": {
            "@odata.type": "#microsoft.graph.userIdentity",
            "id": item.principal_id,
            "displayName": item.principal_name,
            "userPrincipalName": item.principal_upn,
        },
    }
    if version == "beta":
        body["target"] = {
            "@odata.type": "#microsoft.graph.accessReviewInstanceDecisionItemUserTarget",
            "userId": item.principal_id,
            "userDisplayName": item.principal_name,
            "userPrincipalName": item.principal_upn,
        }
    return body


def reviewer_json(reviewer: Reviewer) -> Json:
    """``accessReviewReviewer``, as the list-contactedReviewers example shows it."""
    return {
        "id": reviewer.id,
        "displayName": reviewer.display_name,
        "userPrincipalName": reviewer.user_principal_name,
        "createdDateTime": _time(reviewer.contacted),
    }
