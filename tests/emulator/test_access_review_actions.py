"""Review actions on an instance through the real msgraph-sdk: acceptRecommendations, resetDecisions,
sendReminder and the contactedReviewers list, each with its status, permission and state rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState

from .access_review_fixtures import (
    FALLBACK_REVIEWER,
    FEELGOOD,
    MEGAN,
    SALES,
    add_guest,
    advance,
    group_of,
    guest_review,
    list_decisions,
    list_instances,
)
from .directory_helpers import bearer, odata_error

ACCEPT_DOC = (
    "https://learn.microsoft.com/graph/api/accessreviewinstance-acceptrecommendations?view=graph-rest-1.0"
)
RESET_DOC = "https://learn.microsoft.com/graph/api/accessreviewinstance-resetdecisions?view=graph-rest-1.0"
REMIND_DOC = "https://learn.microsoft.com/graph/api/accessreviewinstance-sendreminder?view=graph-rest-1.0"
CONTACTED_DOC = (
    "https://learn.microsoft.com/graph/api/accessreviewinstance-list-contactedreviewers?view=graph-rest-1.0"
)

TODAY = date(2026, 1, 5)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ZERO = "00000000-0000-0000-0000-000000000000"
CALLER = "5e3ce6c0-2b1f-4285-8d4b-75ee78787346"  # the emulator's calling application


async def start_review(graph: GraphServiceClient, **options: Any) -> tuple[str, dict[str, str]]:
    created = await graph.identity_governance.access_reviews.definitions.post(
        guest_review(start=TODAY, **options)
    )
    assert created is not None
    assert created.id is not None
    return created.id, {group_of(i): i.id or "" for i in await list_instances(graph, created.id)}


def instance_of(graph: GraphServiceClient, definition_id: str, instance_id: str) -> Any:
    return graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
        definition_id
    ).instances.by_access_review_instance_id(instance_id)


async def by_principal(graph: GraphServiceClient, definition_id: str, instance_id: str) -> dict[str, Any]:
    return {
        str(d.principal.id): d for d in await list_decisions(graph, definition_id, instance_id) if d.principal
    }


async def signed_in(raw_client: httpx.AsyncClient, user_id: str, days_ago: int) -> None:
    when = (NOW - timedelta(days=days_ago)).isoformat()
    response = await raw_client.post(f"/_emulator/users/{user_id}/lastSignIn", json={"at": when})
    assert response.status_code == 200


# -- acceptRecommendations -----------------------------------------------------------------------


async def test_accept_recommendations_decides_every_unreviewed_item_as_recommended(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """ACCEPT_DOC: recommendations accepted on all items "that have not been reviewed"; 204."""
    active = add_guest(emulator_state, "Active", groups=(FEELGOOD,))
    dormant = add_guest(emulator_state, "Dormant", groups=(FEELGOOD,))
    decided = add_guest(emulator_state, "Decided", groups=(FEELGOOD,))
    await signed_in(raw_client, active.id, 3)
    definition_id, instances = await start_review(graph)
    instance = instance_of(graph, definition_id, instances[FEELGOOD])
    await raw_client.post(
        "/_emulator/accessReviews/decisions",
        json={"instanceId": instances[FEELGOOD], "principalId": decided.id, "decision": "Approve"},
    )

    assert await instance.accept_recommendations.post() is None  # 204 No Content

    items = await by_principal(graph, definition_id, instances[FEELGOOD])
    assert (items[active.id].recommendation, items[active.id].decision) == ("Approve", "Approve")
    assert (items[dormant.id].recommendation, items[dormant.id].decision) == ("Deny", "Deny")
    assert items[decided.id].decision == "Approve"  # already reviewed: kept, reviewer unchanged
    assert items[decided.id].reviewed_by.id == MEGAN
    assert items[dormant.id].reviewed_by.id == CALLER
    assert items[dormant.id].reviewed_date_time == NOW
    assert items[dormant.id].apply_result == "New"  # accepted, not applied


async def test_accept_recommendations_without_recommendations_records_nothing(
    graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    """The stage variant's page: "If there's no recommendation ... no decision is recorded."
    https://learn.microsoft.com/graph/api/accessreviewstage-acceptrecommendations?view=graph-rest-1.0"""
    guest = add_guest(emulator_state, "Quiet", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph, recommendations=False)
    await instance_of(graph, definition_id, instances[FEELGOOD]).accept_recommendations.post()
    item = (await by_principal(graph, definition_id, instances[FEELGOOD]))[guest.id]
    assert (item.recommendation, item.decision, item.reviewed_by.id) == (
        "NoInfoAvailable",
        "NotReviewed",
        ZERO,
    )


# -- resetDecisions ------------------------------------------------------------------------------


async def test_reset_decisions_returns_every_item_to_not_reviewed(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """RESET_DOC: "Resets all accessReviewInstanceDecisionItem objects ... to notReviewed"; 204."""
    approved = add_guest(emulator_state, "Approved", groups=(FEELGOOD,))
    denied = add_guest(emulator_state, "Denied", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    instance = instance_of(graph, definition_id, instances[FEELGOOD])
    for guest, decision in ((approved, "Approve"), (denied, "Deny")):
        body = {"instanceId": instances[FEELGOOD], "principalId": guest.id, "decision": decision}
        await raw_client.post("/_emulator/accessReviews/decisions", json={**body, "justification": "why"})

    assert await instance.reset_decisions.post() is None  # 204 No Content

    for item in (await by_principal(graph, definition_id, instances[FEELGOOD])).values():
        assert (item.decision, item.justification, item.reviewed_date_time) == ("NotReviewed", "", None)
        assert item.reviewed_by.id == ZERO
    await instance.accept_recommendations.post()  # reviewers can decide again
    assert {d.decision for d in await list_decisions(graph, definition_id, instances[FEELGOOD])} == {"Deny"}


# -- sendReminder --------------------------------------------------------------------------------


async def test_send_reminder_reaches_the_reviewers_of_an_active_instance(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """REMIND_DOC: a reminder "to the reviewers of an active accessReviewInstance"; 204. Nothing
    is mailed: the emulator records the reminder (ids only) in its access-review state."""
    add_guest(emulator_state, "Remindee", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    assert await instance_of(graph, definition_id, instances[FEELGOOD]).send_reminder.post() is None

    reminders = (await raw_client.get("/_emulator/accessReviews")).json()["reminders"]
    assert reminders == [
        {
            "definitionId": definition_id,
            "instanceId": instances[FEELGOOD],
            "reviewerIds": [MEGAN],  # Feelgood's owner
            "sentDateTime": "2026-01-05T09:00:00Z",
        }
    ]


# -- state and permission rules shared by the three actions --------------------------------------

ACTIONS = ["accept_recommendations", "reset_decisions", "send_reminder"]


@pytest.mark.parametrize("action", ACTIONS)
async def test_actions_need_an_instance_in_progress(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState, action: str
) -> None:
    guest = add_guest(emulator_state, "Late", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph, auto_apply=False)
    await raw_client.post(
        "/_emulator/accessReviews/decisions",
        json={"instanceId": instances[FEELGOOD], "principalId": guest.id, "decision": "Approve"},
    )
    await advance(raw_client, "P15D")  # Completed
    with pytest.raises(ODataError) as caught:
        await getattr(instance_of(graph, definition_id, instances[FEELGOOD]), action).post()
    status, code, message = odata_error(caught)
    assert (status, code) == (400, "BadRequest")
    assert "it is Completed" in (message or "")
    [item] = await list_decisions(graph, definition_id, instances[FEELGOOD])
    assert item.decision == "Approve"  # untouched
    assert (await raw_client.get("/_emulator/accessReviews")).json()["reminders"] == []


@pytest.mark.parametrize("action", ACTIONS)
async def test_actions_need_access_review_read_write(
    graph: GraphServiceClient, make_graph, emulator_state: TenantState, action: str
) -> None:
    """Each page's permission table: AccessReview.ReadWrite.All (acceptRecommendations lists it for
    delegated callers only; the emulator's application tokens stand in for a reviewer)."""
    add_guest(emulator_state, "Guarded", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    for roles in (["AccessReview.Read.All"], ["User.Read.All"]):
        reader = make_graph(roles=roles)
        with pytest.raises(ODataError) as caught:
            await getattr(instance_of(reader, definition_id, instances[FEELGOOD]), action).post()
        assert odata_error(caught)[:2] == (403, "Authorization_RequestDenied")
    writer = make_graph(roles=["AccessReview.ReadWrite.All"])
    assert await getattr(instance_of(writer, definition_id, instances[FEELGOOD]), action).post() is None


@pytest.mark.parametrize("action", ACTIONS)
async def test_actions_on_an_unknown_instance_are_404(graph: GraphServiceClient, action: str) -> None:
    definition_id, _ = await start_review(graph)
    with pytest.raises(ODataError) as caught:
        await getattr(
            instance_of(graph, definition_id, "00000000-1111-2222-3333-444444444444"), action
        ).post()
    assert odata_error(caught)[:2] == (404, "Request_ResourceNotFound")


# -- contactedReviewers --------------------------------------------------------------------------


async def test_contacted_reviewers_answer_as_the_documented_example(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """CONTACTED_DOC: @odata.context, @odata.count and accessReviewReviewer items (id, displayName,
    userPrincipalName, createdDateTime); 200; AccessReview.Read.All is enough."""
    add_guest(emulator_state, "Owned", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    path = (
        f"identityGovernance/accessReviews/definitions/{definition_id}/instances/{instances[FEELGOOD]}"
        "/contactedReviewers"
    )
    response = await raw_client.get(
        f"/v1.0/{path}", headers=await bearer(raw_client, ["AccessReview.Read.All"])
    )
    assert response.status_code == 200
    assert response.json() == {
        "@odata.context": f"http://127.0.0.1/v1.0/$metadata#identityGovernance/accessReviews/definitions('"
        f"{definition_id}')/instances('{instances[FEELGOOD]}')/contactedReviewers",
        "@odata.count": 1,
        "value": [
            {
                "id": MEGAN,
                "displayName": "Megan Bowen",
                "userPrincipalName": "MeganB@contoso.onmicrosoft.com",
                "createdDateTime": "2026-01-05T09:00:00Z",
            }
        ],
    }


async def test_contacted_reviewers_fall_back_and_self_review(
    graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    """Owners as reviewers, the fallback reviewers for a group without owners (Sales), and a
    self-review when no reviewers are given (the create page: "If none are specified, the review
    is a self-review")."""
    owned = add_guest(emulator_state, "Owned", groups=(FEELGOOD,))
    unowned = add_guest(emulator_state, "Unowned", groups=(SALES,))
    definition_id, instances = await start_review(graph)

    async def reviewers(graph_: GraphServiceClient, definition: str, instance: str) -> list[str | None]:
        page = await instance_of(graph_, definition, instance).contacted_reviewers.get()
        assert page is not None
        assert page.value is not None
        return [r.id for r in page.value]

    assert await reviewers(graph, definition_id, instances[FEELGOOD]) == [MEGAN]
    assert await reviewers(graph, definition_id, instances[SALES]) == [FALLBACK_REVIEWER]

    body = guest_review(start=TODAY, name="Self review")
    body.reviewers = []
    created = await graph.identity_governance.access_reviews.definitions.post(body)
    assert created is not None
    assert created.id is not None
    self_review = {group_of(i): i.id or "" for i in await list_instances(graph, created.id)}
    assert await reviewers(graph, created.id, self_review[FEELGOOD]) == [owned.id]
    assert await reviewers(graph, created.id, self_review[SALES]) == [unowned.id]


async def test_contacted_reviewers_of_a_group_members_scope_select_and_page(
    graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    add_guest(emulator_state, "Reviewed", groups=(SALES,))
    body = guest_review(start=TODAY, name="Feelgood members review Sales")
    body.reviewers = [
        AccessReviewReviewerScope(query=f"/groups/{FEELGOOD}/transitiveMembers", query_type="MicrosoftGraph")
    ]
    created = await graph.identity_governance.access_reviews.definitions.post(body)
    assert created is not None
    assert created.id is not None
    instances = {group_of(i): i.id or "" for i in await list_instances(graph, created.id)}
    builder = instance_of(graph, created.id, instances[SALES]).contacted_reviewers
    params = builder.ContactedReviewersRequestBuilderGetQueryParameters(select=["displayName"], top=1)
    page = await builder.get(request_configuration=RequestConfiguration(query_parameters=params))
    assert page is not None
    assert page.odata_count == 2  # Feelgood's members: Megan and Alex (not the guest under review)
    assert [(r.id, r.display_name) for r in page.value or []] == [(None, "Megan Bowen")]
    assert page.odata_next_link is not None


async def test_a_planned_instance_has_contacted_nobody_yet(
    graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    add_guest(emulator_state, "Future", groups=(FEELGOOD,))
    created = await graph.identity_governance.access_reviews.definitions.post(
        guest_review(start=date(2026, 2, 1))
    )
    assert created is not None
    assert created.id is not None
    [planned] = await list_instances(graph, created.id)
    assert planned.status == "NotStarted"
    page = await instance_of(graph, created.id, planned.id or "").contacted_reviewers.get()
    assert page is not None
    assert (page.value, page.odata_count) == ([], 0)


async def test_contacted_reviewers_need_an_access_review_permission(
    graph: GraphServiceClient, make_graph, emulator_state: TenantState
) -> None:
    add_guest(emulator_state, "Hidden", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    outsider = make_graph(roles=["User.Read.All", "AccessReview.ReadWrite.Membership"])
    with pytest.raises(ODataError) as caught:
        await instance_of(outsider, definition_id, instances[FEELGOOD]).contacted_reviewers.get()
    assert odata_error(caught)[:2] == (403, "Authorization_RequestDenied")
    writer = make_graph(roles=["AccessReview.ReadWrite.All"])
    assert await instance_of(writer, definition_id, instances[FEELGOOD]).contacted_reviewers.get() is not None
