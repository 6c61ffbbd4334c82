"""Sponsors as reviewers through the real msgraph-sdk: each guest reviewed by its sponsors, the
group's owners (the fallback reviewers) for a guest without one.

v1.0 documents the reviewer scope type ``sponsor`` (accessReviewReviewerScope's ``scopeType``) but
no query for it; the reviewers concept page documents ``./manager`` with ``queryRoot: decisions``
for reviewers relative to each principal, and the emulator takes the same form, ``./sponsors``:
https://learn.microsoft.com/graph/api/resources/accessreviewreviewerscope?view=graph-rest-1.0
https://learn.microsoft.com/graph/accessreviews-reviewers-concept
The sponsors are the guest's ``sponsors`` relationship:
https://learn.microsoft.com/graph/api/user-post-sponsors?view=graph-rest-1.0
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from msgraph.generated.models.access_review_reviewer_scope_type import AccessReviewReviewerScopeType
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState

from .access_review_fixtures import (
    FEELGOOD,
    GUEST_SCOPE,
    MEGAN,
    add_group,
    add_guest,
    guest_review,
    list_instances,
    owners,
    sponsors,
)
from .directory_helpers import ADELE, ALEX, GRAPH_ROOT, ISAIAH, bearer

TODAY = date(2026, 1, 5)
DEFINITIONS = "/v1.0/identityGovernance/accessReviews/definitions"


def sponsor_review() -> AccessReviewScheduleDefinition:
    """The quarterly guest review with each guest's sponsors as reviewers, owners as fallback."""
    definition = guest_review(start=TODAY)
    definition.reviewers, definition.fallback_reviewers = [sponsors()], [owners()]
    return definition


async def start(graph: GraphServiceClient) -> tuple[str, str]:
    created = await graph.identity_governance.access_reviews.definitions.post(sponsor_review())
    assert created is not None
    assert created.id is not None
    [reviewer] = created.reviewers or []
    assert (reviewer.query, reviewer.query_root, reviewer.scope_type) == (
        "./sponsors",
        "decisions",
        AccessReviewReviewerScopeType.Sponsor,
    )
    [instance] = await list_instances(graph, created.id)
    return created.id, instance.id or ""


async def reviewer_of(raw_client: httpx.AsyncClient, instance_id: str, principal_id: str) -> Any:
    """Who records a decision on the guest's item when nobody is named: the reviewer it was given."""
    body = {"instanceId": instance_id, "principalId": principal_id, "decision": "Approve"}
    response = await raw_client.post("/_emulator/accessReviews/decisions", json=body)
    assert response.status_code == 200, response.text
    return response.json()["value"][0]["reviewedBy"]["displayName"]


async def test_each_guest_is_reviewed_by_its_sponsors_or_else_the_owners(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """A user sponsor reviews; a sponsoring group's members review; a guest without a sponsor is
    reviewed by the fallback reviewers, here the group's owners ("the fallback reviewers are asked
    ... if the primary reviewers don't exist", the definition page). contactedReviewers lists them all."""
    partners = add_group(emulator_state, "Partner managers", unified=False)
    partners.members[ISAIAH] = None
    ann = add_guest(emulator_state, "Ann", groups=(FEELGOOD,))
    dan = add_guest(emulator_state, "Dan", groups=(FEELGOOD,), sponsors=(partners.id,))
    cid = add_guest(emulator_state, "Cid", groups=(FEELGOOD,))
    # The sponsor recorded as the app records it at onboarding: POST /users/{id}/sponsors/$ref.
    await graph.users.by_user_id(ann.id).sponsors.ref.post(
        ReferenceCreate(odata_id=f"{GRAPH_ROOT}/users/{ALEX}")
    )
    definition_id, instance_id = await start(graph)

    page = await (
        graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
            definition_id
        )
        .instances.by_access_review_instance_id(instance_id)
        .contacted_reviewers.get()
    )
    assert page is not None
    assert [r.id for r in page.value or []] == [ALEX, ISAIAH, MEGAN]
    assert await reviewer_of(raw_client, instance_id, ann.id) == "Alex Wilber"
    assert await reviewer_of(raw_client, instance_id, dan.id) == "Isaiah Langer"
    assert await reviewer_of(raw_client, instance_id, cid.id) == "Megan Bowen"  # Feelgood's owner


async def test_sponsors_are_read_when_the_round_starts(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """Reviewers are resolved when the instance starts (as the decisions' principals are): a sponsor
    changed during the round does not move the item to another reviewer."""
    guest = add_guest(emulator_state, "Steady", groups=(FEELGOOD,), sponsors=(ALEX,))
    _, instance_id = await start(graph)
    emulator_state.directory.users[guest.id].sponsors = [ADELE]
    assert await reviewer_of(raw_client, instance_id, guest.id) == "Alex Wilber"


async def test_a_reminder_goes_to_the_sponsors(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """sendReminder reaches "the reviewers of an active" instance: the guests' sponsors."""
    add_guest(emulator_state, "First", groups=(FEELGOOD,), sponsors=(ALEX,))
    add_guest(emulator_state, "Second", groups=(FEELGOOD,), sponsors=(ADELE, ALEX))
    definition_id, instance_id = await start(graph)
    await (
        graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
            definition_id
        )
        .instances.by_access_review_instance_id(instance_id)
        .send_reminder.post()
    )
    [reminder] = (await raw_client.get("/_emulator/accessReviews")).json()["reminders"]
    assert reminder["reviewerIds"] == [ALEX, ADELE]


@pytest.mark.parametrize(
    ("reviewer", "fragment"),
    [
        ({"query": "./sponsors", "scopeType": "sponsors"}, "scopeType 'sponsors'"),
        ({"query": "./sponsor", "scopeType": "sponsor"}, "Invalid reviewers query './sponsor'"),
    ],
)
async def test_reviewer_scopes_are_checked(
    raw_client: httpx.AsyncClient, reviewer: dict[str, str], fragment: str
) -> None:
    """scopeType takes the documented values only (user, group, self, manager, sponsor,
    resourceOwner, managerOrSponsor); an unknown query is refused. 400 BadRequest."""
    body = {
        "displayName": "Sponsor review",
        "scope": {"query": GUEST_SCOPE, "queryType": "MicrosoftGraph"},
        "instanceEnumerationScope": {"query": "/groups", "queryType": "MicrosoftGraph"},
        "reviewers": [{**reviewer, "queryType": "MicrosoftGraph", "queryRoot": "decisions"}],
        "settings": {"recurrence": {"range": {"type": "noEnd", "startDate": "2026-01-05"}}},
    }
    response = await raw_client.post(DEFINITIONS, json=body, headers=await bearer(raw_client))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert fragment in response.json()["error"]["message"]
