"""The Graph calls of a cleanup round, built with the SDK's request builders, read as plain JSON.

Decisions are listed 100 a page (``$select`` keeps only what cleanup reads) and never turned into
typed models: a page costs one ``json.loads``, not milliseconds per item. Per-guest look-ups and
writes go through ``$batch`` (20 a request, failed items retried per ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.access_review_instance_item_request_builder import (  # noqa: E501
    AccessReviewInstanceItemRequestBuilder,
)
from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.decisions.decisions_request_builder import (  # noqa: E501
    DecisionsRequestBuilder,
)
from msgraph.generated.models.user import User
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import GraphFailure
from shared.graph.batch import BatchRequest, BatchResponse, RetryPolicy, send_batch
from shared.graph.paging import pages
from shared.graph.raw import send_json
from shared.graph.requests import member_groups, remove_member, user_facts
from shared.queue.message import CleanupMessage

DECISION_FIELDS = ["id", "decision", "principal", "applyResult", "reviewedDateTime"]
DECISION_PAGE = 100
INSTANCE_FIELDS = ["id", "status", "scope"]


def _instance(graph: GraphServiceClient, message: CleanupMessage) -> AccessReviewInstanceItemRequestBuilder:
    definitions = graph.identity_governance.access_reviews.definitions
    definition = definitions.by_access_review_schedule_definition_id(message.definition_id)
    return definition.instances.by_access_review_instance_id(message.instance_id)


async def read_instance(graph: GraphServiceClient, message: CleanupMessage) -> dict[str, Any]:
    """``GET .../instances/{id}?$select=id,status,scope``: which group, and is it finished."""
    query = AccessReviewInstanceItemRequestBuilder.AccessReviewInstanceItemRequestBuilderGetQueryParameters(
        select=INSTANCE_FIELDS
    )
    request = _instance(graph, message).to_get_request_information(
        RequestConfiguration(query_parameters=query)
    )
    body: dict[str, Any] = await send_json(graph, request)
    return body


def decision_pages(graph: GraphServiceClient, message: CleanupMessage) -> AsyncIterator[list[dict[str, Any]]]:
    """Every page of the instance's decisions, following the absolute ``@odata.nextLink``."""
    query = DecisionsRequestBuilder.DecisionsRequestBuilderGetQueryParameters(
        select=DECISION_FIELDS, top=DECISION_PAGE
    )
    first = _instance(graph, message).decisions.to_get_request_information(
        RequestConfiguration(query_parameters=query)
    )
    return pages(graph, first)


async def apply_decisions(graph: GraphServiceClient, message: CleanupMessage) -> None:
    """``POST .../instances/{id}/applyDecisions`` (204): Graph removes the denied members itself."""
    await send_json(graph, _instance(graph, message).apply_decisions.to_post_request_information())


@dataclass(frozen=True)
class GuestFacts:
    """What a denied principal's look-up found. ``groups`` is None when the user no longer exists.

    ``groups`` is transitive (``getMemberGroups``). The reviewed groups are Microsoft 365 groups,
    which can neither hold groups nor be members of one (group-post-members), so "in the group" and
    "in any other group" answer as a direct ``memberOf`` would; only the number of other groups
    (an audit detail) may now count groups reached through nesting.
    """

    guest_id: str
    groups: frozenset[str] | None
    user_type: str | None = None
    enabled: bool | None = None

    @property
    def found(self) -> bool:
        return self.groups is not None

    @property
    def is_guest(self) -> bool:
        return (self.user_type or "").casefold() == "guest"

    def in_group(self, group_id: str) -> bool:
        return self.groups is not None and group_id in self.groups

    def other_groups(self, group_id: str) -> int:
        return len((self.groups or frozenset()) - {group_id})


async def look_up(
    graph: GraphServiceClient, guest_ids: Iterable[str], policy: RetryPolicy, *, with_user: bool = True
) -> dict[str, GuestFacts]:
    """Each guest's group ids (``getMemberGroups``) and, ``with_user``, its type and state."""
    ids = list(dict.fromkeys(guest_ids))
    requests = [BatchRequest(f"g{n}", member_groups(graph, g)) for n, g in enumerate(ids)]
    if with_user:
        requests += [BatchRequest(f"u{n}", user_facts(graph, g)) for n, g in enumerate(ids)]
    answers = await send_batch(graph, requests, policy=policy)
    facts: dict[str, GuestFacts] = {}
    for n, guest_id in enumerate(ids):
        groups = _groups(answers[f"g{n}"])
        user: Mapping[str, Any] = {}
        if with_user and groups is not None:
            user = _ok_body(answers[f"u{n}"]) or {}
        enabled = user.get("accountEnabled")
        facts[guest_id] = GuestFacts(
            guest_id, groups, user.get("userType"), enabled if isinstance(enabled, bool) else None
        )
    return facts


def _ok_body(response: BatchResponse) -> Mapping[str, Any] | None:
    """The body of a successful item; None for 404 (gone); any other failure raises it."""
    if response.status == 404:
        return None
    if not response.ok:
        raise response.failure()
    return response.body if isinstance(response.body, dict) else {}


def _groups(response: BatchResponse) -> frozenset[str] | None:
    """The ids of ``{"value": [ids]}`` (one answer, never paged); None when the user is gone.

    More than 11,000 groups is Graph's ``400 Directory_ResultSizeLimitExceeded``: raised, like any
    other failure, so the round is retried rather than decided on a partial answer.
    """
    body = _ok_body(response)
    if body is None:
        return None
    return frozenset(str(group_id).lower() for group_id in body.get("value") or [])


async def remove_members(
    graph: GraphServiceClient, group_id: str, guest_ids: Iterable[str], policy: RetryPolicy
) -> dict[str, int | GraphFailure]:
    """``DELETE /groups/{g}/members/{u}/$ref`` for each guest: 204, or 404 (already gone), or a failure."""
    ids = list(guest_ids)
    requests = [BatchRequest(f"r{n}", remove_member(graph, group_id, g)) for n, g in enumerate(ids)]
    return _statuses(ids, "r", await send_batch(graph, requests, policy=policy))


async def disable_accounts(
    graph: GraphServiceClient, guest_ids: Iterable[str], policy: RetryPolicy
) -> dict[str, int | GraphFailure]:
    """``PATCH /users/{id}`` ``{"accountEnabled": false}`` for each guest: 204, 404, or a failure."""
    ids = list(guest_ids)
    requests = [
        BatchRequest(
            f"d{n}", graph.users.by_user_id(g).to_patch_request_information(User(account_enabled=False))
        )
        for n, g in enumerate(ids)
    ]
    return _statuses(ids, "d", await send_batch(graph, requests, policy=policy))


def _statuses(
    ids: list[str], prefix: str, answers: Mapping[str, BatchResponse]
) -> dict[str, int | GraphFailure]:
    out: dict[str, int | GraphFailure] = {}
    for n, guest_id in enumerate(ids):
        response = answers[f"{prefix}{n}"]
        out[guest_id] = response.status if response.ok or response.status == 404 else response.failure()
    return out
