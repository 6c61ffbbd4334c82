"""Helpers for the governance tests: settings with a queue of their own, a pass's dependencies,
reading that queue back, guests in the seed's Microsoft 365 groups, and edits made "in Graph"
through the SDK.

The emulator clock starts on 2026-01-05 (tests/conftest.py); with the default policy the first
round starts on 2026-04-01 and ends on 2026-04-15, so moving the clock to 2026-04-16 finishes it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

from azure.storage.queue.aio import QueueClient
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState
from graph_emulator.directory import User
from graph_emulator.resources.access_reviews.backend import backend_of
from graph_emulator.resources.invitations.models import InvitationsBackend
from shared.governance.deps import GovernanceDeps
from shared.governance.settings import GovernanceSettings
from shared.graph.pacing import SlidingWindowLimiter
from shared.graph.raw import send_json
from shared.outcomes import NO_OUTCOMES, OutcomePublisher
from shared.queue.message import MESSAGE_ENCODING, CleanupMessage
from shared.queue.sender import CleanupQueue
from shared.settings import Settings
from shared.state import OnboardingRecord, StateStore, address_hash
from tests.emulator.access_review_fixtures import FEELGOOD, RETAIL, SALES, add_guest
from tests.shared.conftest import FAST_RETRIES, make_settings

UNIFIED = (FEELGOOD, RETAIL, SALES)
AFTER_FIRST_ROUND = dt.datetime(2026, 4, 16, 1, 0, tzinfo=dt.UTC)  # the round of 2026-04-01 has ended


def unique_queue() -> str:
    return f"gk-cleanup-{uuid.uuid4().hex[:12]}"


def settings_for(connection: str, table: str, queue: str, **env: str) -> Settings:
    return make_settings(
        AzureWebJobsStorage=connection, STATE_TABLE_NAME=table, CLEANUP_QUEUE_NAME=queue, **env
    )


def governance_deps(
    graph: GraphServiceClient,
    store: StateStore,
    queue: CleanupQueue,
    settings: GovernanceSettings,
    state: TenantState,
    *,
    retention: dt.timedelta | None = None,
    outcomes: OutcomePublisher = NO_OUTCOMES,
    pacer: SlidingWindowLimiter | None = None,
) -> GovernanceDeps:
    """What a pass is handed, on the emulator's clock; webhook ids are kept unless ``retention``.
    The managed groups and redirect URL are the test settings' onboarding ones, as the worker's."""
    onboarding = make_settings().onboarding
    return GovernanceDeps(
        graph=graph,
        settings=settings,
        queue=queue,
        reviews=store.reviews,
        disabled=store.disabled,
        audit=store.audit,
        claims=store.webhooks,
        records=store.onboarding,
        invitations=store.invitations,
        pacer=pacer or SlidingWindowLimiter(),
        managed_groups=onboarding.allowed_group_ids,
        redirect_url=onboarding.redirect_url,
        clock=state.clock.now,
        retry=FAST_RETRIES,
        webhook_retention=retention,
        outcomes=outcomes,
    )


async def queued(connection: str, queue: str) -> list[CleanupMessage]:
    """Every message on ``queue`` (peeked, not consumed), decoded as the host would."""
    async with QueueClient.from_connection_string(connection, queue) as client:
        if not await _exists(client):
            return []
        found: list[CleanupMessage] = []
        for message in await client.peek_messages(max_messages=32):
            text = str(message.content)
            if MESSAGE_ENCODING == "base64":
                text = base64.b64decode(text).decode()
            found.append(CleanupMessage.parse(text))
        return found


async def _exists(client: QueueClient) -> bool:
    from azure.core.exceptions import ResourceNotFoundError

    try:
        await client.get_queue_properties()
    except ResourceNotFoundError:
        return False
    return True


def guests_everywhere(state: TenantState) -> dict[str, str]:
    """One guest in each seed Microsoft 365 group: group id -> guest id."""
    return {g: add_guest(state, f"Guest{n}", groups=(g,)).id for n, g in enumerate(UNIFIED)}


def definitions(state: TenantState) -> dict[str, dict[str, Any]]:
    """The emulator's definitions (id -> stored body), for assertions only."""
    return {d.id: d.body for d in backend_of(state).definitions.values()}


def instances(state: TenantState, definition_id: str) -> dict[str, str]:
    """Instance id -> group id, straight from the emulator."""
    return {
        i.id: str(i.group_id)
        for i in backend_of(state).instances.values()
        if i.definition_id == definition_id
    }


def _item(graph: GraphServiceClient, definition_id: str) -> Any:
    return graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
        definition_id
    )


async def get_definition(graph: GraphServiceClient, definition_id: str) -> dict[str, Any]:
    body: dict[str, Any] = await send_json(graph, _item(graph, definition_id).to_get_request_information())
    return body


async def put_definition(graph: GraphServiceClient, definition_id: str, body: dict[str, Any]) -> None:
    """An administrator's edit in Graph: PUT the full object (read-only properties dropped)."""
    writable = {
        k: v
        for k, v in body.items()
        if not k.startswith("@")
        and k not in {"id", "status", "createdBy", "createdDateTime", "lastModifiedDateTime"}
    }
    request = _item(graph, definition_id).to_put_request_information(AccessReviewScheduleDefinition())
    request.content = json.dumps(writable).encode()
    await send_json(graph, request)


async def delete_definition(graph: GraphServiceClient, definition_id: str) -> None:
    await send_json(graph, _item(graph, definition_id).to_delete_request_information())


async def invited_guest(
    state: TenantState,
    store: StateStore,
    email: str,
    *,
    days_ago: float,
    groups: tuple[str, ...] = (FEELGOOD,),
    ref: str | None = "HR-1001",
    onboarded: bool = True,
) -> User:
    """A guest invited through Graph ``days_ago`` days ago who never redeemed, in ``groups``; with
    the onboarding record Guestkeeper keeps for it unless ``onboarded`` is False (invited by others)."""
    invitation = InvitationsBackend(state).create_invitation(
        {"invitedUserEmailAddress": email, "inviteRedirectUrl": "https://myapps.microsoft.com"}
    )
    user = state.directory.users[invitation.user_id]
    user.external_user_state_change = state.clock.now() - dt.timedelta(days=days_ago)
    for group_id in groups:
        group = state.directory.group(group_id)
        assert group is not None, group_id
        group.members[user.id] = None
    if onboarded:
        record = OnboardingRecord(address_hash(email), user.id, state.clock.now(), ref)
        await store.onboarding.create_onboarding(record)
    return user


def invitation_of(state: TenantState, user_id: str) -> str:
    """The id of the invitation that created ``user_id`` (what the redeem control route takes)."""
    from graph_emulator.resources.invitations.models import invitation_store

    return next(i.id for i in invitation_store(state).invitations.values() if i.user_id == user_id)
