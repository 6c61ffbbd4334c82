"""A review round as Graph knows it, for the report: the instance, its definition and group, and
every decision with its reviewer.

Read-only, as plain JSON (no typed models): one ``$batch`` for the instance, the definition's name
and the group's name, then the decisions 100 a page, so ``1 + ceil(D/100)`` round trips. People are
kept as object ids: the decisions' display names and user principal names (which hold a guest's
address) are never read. Needs ``AccessReview.Read.All`` and ``GroupMember.Read.All``, both held by
the app already (``AccessReview.ReadWrite.All`` covers the first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder
from msgraph.generated.identity_governance.access_reviews.definitions.item.access_review_schedule_definition_item_request_builder import (  # noqa: E501
    AccessReviewScheduleDefinitionItemRequestBuilder,
)
from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.access_review_instance_item_request_builder import (  # noqa: E501
    AccessReviewInstanceItemRequestBuilder,
)
from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.decisions.decisions_request_builder import (  # noqa: E501
    DecisionsRequestBuilder,
)
from msgraph.graph_service_client import GraphServiceClient

from shared.graph.batch import BatchRequest, BatchResponse, RetryPolicy, send_batch
from shared.graph.paging import list_all
from shared.graph.review_instances import group_id_from_scope

INSTANCE_FIELDS = ["id", "status", "startDateTime", "endDateTime", "scope"]
DECISION_FIELDS = [
    "id",
    "decision",
    "recommendation",
    "principal",
    "reviewedBy",
    "reviewedDateTime",
    "applyResult",
    "appliedDateTime",
]
DECISION_PAGE = 100
NO_ONE = "00000000-0000-0000-0000-000000000000"  # Graph's reviewer of a decision nobody made


@dataclass(frozen=True)
class Decision:
    principal_id: str
    principal_type: str  # "user", or the identity type Graph names (e.g. a service principal)
    decision: str
    recommendation: str | None
    reviewer_id: str | None  # None: no reviewer decided (the default decision, or not reviewed)
    reviewed_at: str | None
    apply_result: str | None
    applied_at: str | None


@dataclass(frozen=True)
class RoundFacts:
    instance_id: str
    definition_id: str
    definition_name: str | None
    group_id: str | None
    group_name: str | None
    status: str | None
    start: str | None
    end: str | None
    decisions: tuple[Decision, ...]


def _instance(graph: GraphServiceClient, definition_id: str, instance_id: str) -> Any:
    definition = graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
        definition_id
    )
    return definition.instances.by_access_review_instance_id(instance_id)


def _requests(
    graph: GraphServiceClient, definition_id: str, instance_id: str, group_id: str | None
) -> list[BatchRequest]:
    instance = (
        AccessReviewInstanceItemRequestBuilder.AccessReviewInstanceItemRequestBuilderGetQueryParameters(
            select=INSTANCE_FIELDS
        )
    )
    definition = AccessReviewScheduleDefinitionItemRequestBuilder.AccessReviewScheduleDefinitionItemRequestBuilderGetQueryParameters(  # noqa: E501
        select=["id", "displayName"]
    )
    definitions = graph.identity_governance.access_reviews.definitions
    requests = [
        BatchRequest(
            "instance",
            _instance(graph, definition_id, instance_id).to_get_request_information(
                RequestConfiguration(query_parameters=instance)
            ),
        ),
        BatchRequest(
            "definition",
            definitions.by_access_review_schedule_definition_id(definition_id).to_get_request_information(
                RequestConfiguration(query_parameters=definition)
            ),
        ),
    ]
    if group_id is not None:
        group = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
            select=["id", "displayName"]
        )
        info = graph.groups.by_group_id(group_id).to_get_request_information(
            RequestConfiguration(query_parameters=group)
        )
        requests.append(BatchRequest("group", info))
    return requests


def _decisions(graph: GraphServiceClient, definition_id: str, instance_id: str) -> RequestInformation:
    query = DecisionsRequestBuilder.DecisionsRequestBuilderGetQueryParameters(
        select=DECISION_FIELDS, top=DECISION_PAGE
    )
    builder = _instance(graph, definition_id, instance_id).decisions
    request: RequestInformation = builder.to_get_request_information(
        RequestConfiguration(query_parameters=query)
    )
    return request


async def read_round(
    graph: GraphServiceClient,
    definition_id: str,
    instance_id: str,
    group_id: str | None,
    *,
    retry: RetryPolicy | None = None,
) -> RoundFacts | None:
    """The round as Graph knows it; None when Graph no longer has it (its definition was deleted).

    ``group_id`` (from the audit) lets the group's name come in the same batch; without it the
    group is the one in the instance's scope, unnamed.
    """
    answers = await send_batch(graph, _requests(graph, definition_id, instance_id, group_id), policy=retry)
    instance = _body(answers["instance"])
    if instance is None:
        return None
    items = await list_all(graph, _decisions(graph, definition_id, instance_id))
    definition = _body(answers["definition"]) or {}
    group = _body(answers["group"]) if "group" in answers else None
    scope = instance.get("scope") or {}
    return RoundFacts(
        instance_id=instance_id,
        definition_id=definition_id,
        definition_name=definition.get("displayName"),
        group_id=group_id or group_id_from_scope(scope.get("query") if isinstance(scope, dict) else None),
        group_name=(group or {}).get("displayName"),
        status=instance.get("status"),
        start=instance.get("startDateTime"),
        end=instance.get("endDateTime"),
        decisions=tuple(_decision(item) for item in items),
    )


def _body(response: BatchResponse) -> dict[str, Any] | None:
    """The item's JSON; None for a 404; any other failure raises (``GraphFailure``)."""
    if response.status == 404:
        return None
    if not response.ok:
        raise response.failure()
    return response.body if isinstance(response.body, dict) else {}


def _decision(item: dict[str, Any]) -> Decision:
    principal = item.get("principal") or {}
    kind = str(principal.get("@odata.type") or "#microsoft.graph.userIdentity").rsplit(".", 1)[-1]
    reviewer = (item.get("reviewedBy") or {}).get("id")
    return Decision(
        principal_id=str(principal.get("id") or ""),
        principal_type="user" if kind == "userIdentity" else kind,
        decision=str(item.get("decision") or "NotReviewed"),
        recommendation=item.get("recommendation"),
        reviewer_id=reviewer if reviewer and reviewer != NO_ONE else None,
        reviewed_at=_when(item.get("reviewedDateTime")),
        apply_result=item.get("applyResult"),
        applied_at=_when(item.get("appliedDateTime")),
    )


def _when(value: Any) -> str | None:
    """Graph's date, or None for its "never" (``0001-01-01T00:00:00Z``) and absent values."""
    return value if isinstance(value, str) and not value.startswith("0001-") else None
