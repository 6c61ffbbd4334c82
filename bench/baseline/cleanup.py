"""Cleanup of a finished round as a typical script writes it (the tutorial's steps, one by one).

List the instance's decisions as typed pages (following ``@odata.nextLink``); for each denied
guest read its group memberships (``memberOf``, typed), remove it from the reviewed group if it is
still there, and disable the account when no group is left. Sequential, one request per item.
"""

from __future__ import annotations

from typing import Any

from msgraph.generated.models.access_review_instance_decision_item import AccessReviewInstanceDecisionItem
from msgraph.generated.models.user import User
from msgraph.graph_service_client import GraphServiceClient

from bench.baseline.client import graph_client
from bench.emulator import Endpoint, review_instance
from bench.measure import Meter
from bench.workload import REVIEWED_GROUP


async def decisions(
    graph: GraphServiceClient, definition_id: str, instance_id: str
) -> list[AccessReviewInstanceDecisionItem]:
    definitions = graph.identity_governance.access_reviews.definitions
    builder = (
        definitions.by_access_review_schedule_definition_id(definition_id)
        .instances.by_access_review_instance_id(instance_id)
        .decisions
    )
    items: list[AccessReviewInstanceDecisionItem] = []
    page = await builder.get()
    while page is not None:
        items.extend(page.value or [])
        if not page.odata_next_link:
            break
        page = await builder.with_url(page.odata_next_link).get()
    return items


async def clean_up(
    graph: GraphServiceClient, definition_id: str, instance_id: str, group_id: str
) -> dict[str, int]:
    items = await decisions(graph, definition_id, instance_id)
    denied = [d.principal.id for d in items if d.decision == "Deny" and d.principal and d.principal.id]
    removed = disabled = 0
    for user_id in denied:
        memberships = await graph.users.by_user_id(user_id).member_of.get()
        groups = {o.id for o in (memberships.value if memberships and memberships.value else [])}
        if group_id in groups:
            await graph.groups.by_group_id(group_id).members.by_directory_object_id(user_id).ref.delete()
            removed += 1
        if not groups - {group_id}:
            await graph.users.by_user_id(user_id).patch(User(account_enabled=False))
            disabled += 1
    return {"decisions": len(items), "denied": len(denied), "removed": removed, "disabled": disabled}


async def run(endpoint: Endpoint, params: dict[str, Any], meter: Meter) -> dict[str, Any]:
    definition_id, instance_id = await review_instance(endpoint, REVIEWED_GROUP)
    graph = graph_client(endpoint)
    with meter:
        return await clean_up(graph, definition_id, instance_id, REVIEWED_GROUP)
