"""Decision items: their shape, recommendations, recording (Graph and control plane), filters, paging."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.batch_record_decisions.batch_record_decisions_post_request_body import (  # noqa: E501
    BatchRecordDecisionsPostRequestBody,
)
from msgraph.generated.models.access_review_instance_decision_item import AccessReviewInstanceDecisionItem
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user_identity import UserIdentity
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState

from .access_review_fixtures import (
    FEELGOOD,
    MEGAN,
    RETAIL,
    add_guest,
    advance,
    group_of,
    guest_review,
    list_decisions,
    list_instances,
)
from .directory_helpers import odata_error

TODAY = date(2026, 1, 5)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ZERO = "00000000-0000-0000-0000-000000000000"


async def start_review(graph: GraphServiceClient, **options: Any) -> tuple[str, dict[str, str]]:
    created = await graph.identity_governance.access_reviews.definitions.post(
        guest_review(start=TODAY, **options)
    )
    assert created is not None
    assert created.id is not None
    instances = {group_of(i): i.id or "" for i in await list_instances(graph, created.id)}
    return created.id, instances


def instance_builder(graph: GraphServiceClient, definition_id: str, instance_id: str):
    return graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
        definition_id
    ).instances.by_access_review_instance_id(instance_id)


async def test_decision_items_have_graphs_shape(
    graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    guest = add_guest(emulator_state, "Harper", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    [item] = await list_decisions(graph, definition_id, instances[FEELGOOD])

    assert item.access_review_id == instances[FEELGOOD]
    assert item.decision == "NotReviewed"
    assert item.apply_result == "New"
    assert item.recommendation == "Deny"  # never signed in
    assert item.justification == ""
    assert (item.reviewed_date_time, item.applied_date_time) == (None, None)
    assert isinstance(item.principal, UserIdentity)
    assert (item.principal.id, item.principal.display_name, item.principal.user_principal_name) == (
        guest.id,
        guest.display_name,
        guest.user_principal_name,
    )
    assert item.principal_link == f"http://127.0.0.1/v1.0/users/{guest.id}"
    assert (item.resource, item.resource_link) == (None, None)
    for who in (item.reviewed_by, item.applied_by):
        assert who is not None
        assert (who.id, who.display_name, who.user_principal_name) == (ZERO, "", "")


async def test_decision_json_on_both_versions(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    guest = add_guest(emulator_state, "Indigo", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    token = (await raw_client.post("/_emulator/token", json={"roles": ["AccessReview.Read.All"]})).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    instance = instances[FEELGOOD]
    path = f"identityGovernance/accessReviews/definitions/{definition_id}/instances/{instance}/decisions"

    v1 = (await raw_client.get(f"/v1.0/{path}", headers=headers)).json()
    beta = (await raw_client.get(f"/beta/{path}", headers=headers)).json()
    assert v1["@odata.count"] == 1
    assert v1["@odata.context"] == (
        f"http://127.0.0.1/v1.0/$metadata#identityGovernance/accessReviews/definitions('{definition_id}')"
        f"/instances('{instances[FEELGOOD]}')/decisions"
    )
    assert "target" not in v1["value"][0]
    assert beta["value"][0]["target"] == {
        "@odata.type": "#microsoft.graph.accessReviewInstanceDecisionItemUserTarget",
        "userId": guest.id,
        "userDisplayName": guest.display_name,
        "userPrincipalName": guest.user_principal_name,
    }
    assert beta["value"][0]["principal"]["@odata.type"] == "#microsoft.graph.userIdentity"
    single = await raw_client.get(f"/beta/{path}/{beta['value'][0]['id']}", headers=headers)
    assert single.status_code == 200
    assert single.json()["target"]["userId"] == guest.id


@pytest.mark.parametrize(
    ("signed_in_days_ago", "settings", "expected"),
    [
        (None, {}, "Deny"),
        (3, {}, "Approve"),
        (45, {}, "Deny"),
        (45, {"look_back": "P60D"}, "Approve"),
        (3, {"recommendations": False}, "NoInfoAvailable"),
    ],
)
async def test_recommendation_follows_last_sign_in(
    graph: GraphServiceClient,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    signed_in_days_ago: int | None,
    settings,
    expected: str,
) -> None:
    guest = add_guest(emulator_state, "Jules", groups=(FEELGOOD,))
    if signed_in_days_ago is not None:
        when = (NOW - timedelta(days=signed_in_days_ago)).isoformat()
        response = await raw_client.post(f"/_emulator/users/{guest.id}/lastSignIn", json={"at": when})
        assert response.status_code == 200
        assert response.json()["lastSignInDateTime"] == when.replace("+00:00", "Z")
    definition_id, instances = await start_review(graph, **settings)
    [item] = await list_decisions(graph, definition_id, instances[FEELGOOD])
    assert item.recommendation == expected


async def test_last_sign_in_for_unknown_user_is_404(raw_client: httpx.AsyncClient) -> None:
    response = await raw_client.post(
        "/_emulator/users/nobody/lastSignIn", json={"at": "2026-01-01T00:00:00Z"}
    )
    assert response.status_code == 404


async def test_patch_records_a_decision(graph: GraphServiceClient, emulator_state: TenantState) -> None:
    add_guest(emulator_state, "Kai", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    [item] = await list_decisions(graph, definition_id, instances[FEELGOOD])
    decisions = instance_builder(graph, definition_id, instances[FEELGOOD]).decisions
    body = AccessReviewInstanceDecisionItem(decision="Deny", justification="Project ended")
    assert await decisions.by_access_review_instance_decision_item_id(item.id).patch(body) is None

    fetched = await decisions.by_access_review_instance_decision_item_id(item.id).get()
    assert fetched is not None
    assert (fetched.decision, fetched.justification) == ("Deny", "Project ended")
    assert fetched.reviewed_date_time == NOW
    assert fetched.reviewed_by is not None
    assert fetched.reviewed_by.id != ZERO

    reset = AccessReviewInstanceDecisionItem(decision="NotReviewed")
    await decisions.by_access_review_instance_decision_item_id(item.id).patch(reset)
    fetched = await decisions.by_access_review_instance_decision_item_id(item.id).get()
    assert fetched is not None
    assert fetched.decision == "NotReviewed"
    assert fetched.reviewed_date_time is None


async def test_patch_rejects_bad_input(graph: GraphServiceClient, emulator_state: TenantState) -> None:
    add_guest(emulator_state, "Lane", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    [item] = await list_decisions(graph, definition_id, instances[FEELGOOD])
    decisions = instance_builder(graph, definition_id, instances[FEELGOOD]).decisions
    with pytest.raises(ODataError) as caught:
        await decisions.by_access_review_instance_decision_item_id(item.id).patch(
            AccessReviewInstanceDecisionItem(decision="Maybe")
        )
    assert caught.value.response_status_code == 400
    with pytest.raises(ODataError) as caught:
        await decisions.by_access_review_instance_decision_item_id("missing").get()
    assert caught.value.response_status_code == 404


async def test_justification_required_on_approval(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    add_guest(emulator_state, "Morgan", groups=(FEELGOOD,))
    body = guest_review(start=TODAY)
    assert body.settings is not None
    body.settings.justification_required_on_approval = True
    created = await graph.identity_governance.access_reviews.definitions.post(body)
    assert created is not None
    assert created.id is not None
    [instance] = await list_instances(graph, created.id)
    [item] = await list_decisions(graph, created.id, instance.id or "")
    decisions = instance_builder(graph, created.id, instance.id or "").decisions
    with pytest.raises(ODataError) as caught:
        await decisions.by_access_review_instance_decision_item_id(item.id).patch(
            AccessReviewInstanceDecisionItem(decision="Approve")
        )
    assert "justification" in (caught.value.error.message or "")  # type: ignore[union-attr]
    await decisions.by_access_review_instance_decision_item_id(item.id).patch(
        AccessReviewInstanceDecisionItem(decision="Deny")  # only approvals need one
    )


async def test_batch_record_decisions_by_principal_resource_or_all(
    graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    noor = add_guest(emulator_state, "Noor", groups=(FEELGOOD,))
    add_guest(emulator_state, "Oakley", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    instance = instance_builder(graph, definition_id, instances[FEELGOOD])

    await instance.batch_record_decisions.post(
        BatchRecordDecisionsPostRequestBody(decision="Deny", justification="Left", principal_id=noor.id)
    )
    by_principal = {
        d.principal.id: d.decision
        for d in await list_decisions(graph, definition_id, instances[FEELGOOD])
        if d.principal
    }
    assert by_principal[noor.id] == "Deny"
    assert sorted(str(v) for v in by_principal.values()) == ["Deny", "NotReviewed"]

    await instance.batch_record_decisions.post(
        BatchRecordDecisionsPostRequestBody(decision="Approve", justification="Team", resource_id=RETAIL)
    )  # another group's id: nothing here matches
    assert sorted(
        str(d.decision) for d in await list_decisions(graph, definition_id, instances[FEELGOOD])
    ) == [
        "Deny",
        "NotReviewed",
    ]
    await instance.batch_record_decisions.post(
        BatchRecordDecisionsPostRequestBody(decision="Approve", justification="Team", resource_id=FEELGOOD)
    )
    assert {d.decision for d in await list_decisions(graph, definition_id, instances[FEELGOOD])} == {
        "Approve"
    }


async def test_control_plane_records_as_a_named_reviewer(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    guest = add_guest(emulator_state, "Parker", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    response = await raw_client.post(
        "/_emulator/accessReviews/decisions",
        json={
            "definitionId": definition_id,
            "principalId": guest.id,
            "decision": "Deny",
            "justification": "Gone",
        },
    )
    assert response.status_code == 200, response.text
    [recorded] = response.json()["value"]
    assert recorded["reviewedBy"]["id"] == MEGAN  # the group's owner by default
    assert recorded["reviewedBy"]["displayName"] == "Megan Bowen"
    [item] = await list_decisions(graph, definition_id, instances[FEELGOOD])
    assert (item.decision, item.justification) == ("Deny", "Gone")

    by_id = await raw_client.post(
        "/_emulator/accessReviews/decisions",
        json={
            "instanceId": instances[FEELGOOD],
            "decisionId": item.id,
            "decision": "Approve",
            "reviewerId": MEGAN,
        },
    )
    assert by_id.status_code == 200
    missing = await raw_client.post(
        "/_emulator/accessReviews/decisions", json={"principalId": "nobody", "decision": "Approve"}
    )
    assert missing.status_code == 404


async def test_filters_and_paging(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    guests = [add_guest(emulator_state, f"Guest{n}", groups=(FEELGOOD,)) for n in range(5)]
    definition_id, instances = await start_review(graph, auto_apply=True)
    instance = instances[FEELGOOD]
    for guest in guests[:2]:
        await raw_client.post(
            "/_emulator/accessReviews/decisions",
            json={"instanceId": instance, "principalId": guest.id, "decision": "Deny"},
        )
    denied = await list_decisions(graph, definition_id, instance, filter="decision eq 'Deny'")
    assert sorted(str(d.principal.id) for d in denied if d.principal) == sorted(str(g.id) for g in guests[:2])
    assert len(await list_decisions(graph, definition_id, instance, filter="decision eq 'NotReviewed'")) == 3

    # one denied guest leaves the group before the end: applied, but the object was not found
    group = emulator_state.directory.group(FEELGOOD)
    assert group is not None
    del group.members[guests[0].id]
    await advance(raw_client, "P15D")
    ok = await list_decisions(graph, definition_id, instance, filter="applyResult eq 'AppliedSuccessfully'")
    gone = await list_decisions(
        graph, definition_id, instance, filter="applyResult eq 'AppliedSuccessfullyButObjectNotFound'"
    )
    assert [d.principal.id for d in ok if d.principal] == [guests[1].id]
    assert [d.principal.id for d in gone if d.principal] == [guests[0].id]
    assert len(await list_decisions(graph, definition_id, instance, filter="applyResult eq 'New'")) == 3

    builder = instance_builder(graph, definition_id, instance).decisions
    params = builder.DecisionsRequestBuilderGetQueryParameters(top=2)
    page = await builder.get(request_configuration=RequestConfiguration(query_parameters=params))
    seen = []
    while page is not None:
        assert page.value is not None
        seen += [d.id for d in page.value]
        page = await builder.with_url(page.odata_next_link).get() if page.odata_next_link else None
    assert len(seen) == 5 == len(set(seen))


async def test_recording_after_the_end_is_refused(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    add_guest(emulator_state, "Quinn", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    await advance(raw_client, "P15D")
    instance = instance_builder(graph, definition_id, instances[FEELGOOD])
    with pytest.raises(ODataError) as caught:
        await instance.batch_record_decisions.post(BatchRecordDecisionsPostRequestBody(decision="Approve"))
    assert caught.value.response_status_code == 400
    assert "InProgress" in (caught.value.error.message or "")  # type: ignore[union-attr]


async def test_default_decision_recommendation(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    active = add_guest(emulator_state, "Reese", groups=(FEELGOOD,), last_sign_in=NOW - timedelta(days=2))
    idle = add_guest(emulator_state, "Sage", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph, default_decision="Recommendation", auto_apply=True)
    await advance(raw_client, "P15D")
    decided = {
        d.principal.id: d.decision
        for d in await list_decisions(graph, definition_id, instances[FEELGOOD])
        if d.principal
    }
    assert decided == {active.id: "Approve", idle.id: "Deny"}
    group = emulator_state.directory.group(FEELGOOD)
    assert group is not None
    assert active.id in group.members
    assert idle.id not in group.members


async def test_read_permission_lists_decisions_but_cannot_record(
    graph: GraphServiceClient, make_graph, emulator_state: TenantState
) -> None:
    add_guest(emulator_state, "Taylor", groups=(FEELGOOD,))
    definition_id, instances = await start_review(graph)
    reader = make_graph(roles=["AccessReview.Read.All"])
    [item] = await list_decisions(reader, definition_id, instances[FEELGOOD])
    decisions = instance_builder(reader, definition_id, instances[FEELGOOD]).decisions
    assert await decisions.by_access_review_instance_decision_item_id(item.id).get() is not None
    writes = [
        decisions.by_access_review_instance_decision_item_id(item.id).patch(
            AccessReviewInstanceDecisionItem(decision="Approve", justification="ok")
        ),
        instance_builder(reader, definition_id, instances[FEELGOOD]).batch_record_decisions.post(
            BatchRecordDecisionsPostRequestBody(decision="Approve", justification="ok")
        ),
    ]
    for write in writes:
        with pytest.raises(ODataError) as caught:
            await write
        assert odata_error(caught)[:2] == (403, "Authorization_RequestDenied")
