"""The Graph calls of a cleanup round, built with the SDK's request builders, read as plain JSON.

Decisions are listed 100 a page (``$select`` keeps only what cleanup reads) and never turned into
typed models: a page costs one ``json.loads``, not milliseconds per item. Removals go through
``$batch`` (20 a request, failed items retried per ``Retry-After``); the guests' look-ups and
disables are ``shared.graph.guest_access``, which offboarding uses too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.access_review_instance_item_request_builder import (  # noqa: E501
    AccessReviewInstanceItemRequestBuilder,
)
from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.decisions.decisions_request_builder import (  # noqa: E501
    DecisionsRequestBuilder,
)
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import GraphFailure
from shared.graph.batch import BatchRequest, RetryPolicy, send_batch
from shared.graph.guest_access import statuses
from shared.graph.paging import pages
from shared.graph.raw import send_json
from shared.graph.requests import remove_member
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


async def remove_members(
    graph: GraphServiceClient, group_id: str, guest_ids: Iterable[str], policy: RetryPolicy
) -> dict[str, int | GraphFailure]:
    """``DELETE /groups/{g}/members/{u}/$ref`` for each guest: 204, or 404 (already gone), or a failure."""
    ids = list(guest_ids)
    requests = [BatchRequest(f"r{n}", remove_member(graph, group_id, g)) for n, g in enumerate(ids)]
    return statuses(ids, "r", await send_batch(graph, requests, policy=policy))
