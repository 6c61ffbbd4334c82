"""The life of an access-review series on the emulator clock: instances start, end, apply, recur."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
from msgraph.generated.models.access_review_instance_decision_item import AccessReviewInstanceDecisionItem
from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.disable_and_delete_user_apply_action import DisableAndDeleteUserApplyAction
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState
from graph_emulator.directory import User

from .access_review_fixtures import (
    FALLBACK_REVIEWER,
    FEELGOOD,
    HELPDESK,
    IT_OPERATIONS,
    RETAIL,
    SALES,
    add_guest,
    advance,
    group_of,
    guest_review,
    list_decisions,
    list_instances,
)
from .directory_helpers import odata_error

TODAY = date(2026, 1, 5)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Tenant:
    """Three Unified groups (Sales without guests), plus guests in groups a guest review skips."""

    def __init__(self, state: TenantState) -> None:
        self.avery = add_guest(state, "Avery", groups=(FEELGOOD,))
        self.blake = add_guest(state, "Blake", groups=(FEELGOOD,))
        self.casey = add_guest(state, "Casey", groups=(RETAIL,))
        self.drew = add_guest(state, "Drew", groups=(IT_OPERATIONS,))  # security group: not Unified
        self.emery = add_guest(state, "Emery", groups=(HELPDESK,))  # role-assignable: never enumerated
        self.state = state

    def member(self, group_id: str, user: User) -> bool:
        group = self.state.directory.group(group_id)
        assert group is not None
        return user.id in group.members


@pytest.fixture
def tenant(emulator_state: TenantState) -> Tenant:
    return Tenant(emulator_state)


def definition_item(graph: GraphServiceClient, definition_id: str):
    return graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
        definition_id
    )


async def create(graph: GraphServiceClient, **options) -> str:
    created = await graph.identity_governance.access_reviews.definitions.post(guest_review(**options))
    assert created is not None
    assert created.id is not None
    return created.id


async def by_group(
    graph: GraphServiceClient, definition_id: str, status: str | None = None
) -> dict[str, str]:
    return {group_of(i): i.id or "" for i in await list_instances(graph, definition_id, status)}


async def decide(graph, definition_id: str, instance_id: str, principal_id: str, decision: str) -> None:
    items = await list_decisions(graph, definition_id, instance_id)
    item = next(d for d in items if d.principal is not None and d.principal.id == principal_id)
    body = AccessReviewInstanceDecisionItem(decision=decision, justification=f"{decision} by the owner")
    builder = definition_item(graph, definition_id).instances.by_access_review_instance_id(instance_id)
    await builder.decisions.by_access_review_instance_decision_item_id(item.id).patch(body)


async def test_quarterly_all_groups_guest_review_over_two_quarters(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    review = await create(graph, start=TODAY, duration_days=14, auto_apply=True)

    # Quarter 1 starts at once: one instance per Unified group with guests (not Sales, IT, Helpdesk).
    q1 = await by_group(graph, review)
    assert set(q1) == {FEELGOOD, RETAIL}
    instances = await list_instances(graph, review)
    assert {i.status for i in instances} == {"InProgress"}
    first = instances[0]
    assert first.start_date_time == at("2026-01-05T09:00:00")
    assert first.end_date_time == at("2026-01-19T09:00:00")
    assert isinstance(first.scope, AccessReviewQueryScope)
    guests_of = "/members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')"
    assert first.scope.query == f"/v1.0/groups/{group_of(first)}{guests_of}"
    feelgood = await list_decisions(graph, review, q1[FEELGOOD])
    assert sorted(str(d.principal.id) for d in feelgood if d.principal) == sorted(
        [tenant.avery.id, tenant.blake.id]
    )

    # The owner approves Avery and denies Blake; Retail's owner stays silent about Casey.
    await decide(graph, review, q1[FEELGOOD], tenant.avery.id, "Approve")
    await decide(graph, review, q1[FEELGOOD], tenant.blake.id, "Deny")

    await advance(raw_client, "P15D")  # past the 14-day duration: completed and auto-applied
    assert {i.status for i in await list_instances(graph, review)} == {"Applied"}
    assert not tenant.member(FEELGOOD, tenant.blake)
    assert tenant.member(FEELGOOD, tenant.avery)
    assert tenant.member(RETAIL, tenant.casey)  # not reviewed, no default decision: access unchanged
    blake = next(d for d in await list_decisions(graph, review, q1[FEELGOOD]) if d.decision == "Deny")
    assert blake.apply_result == "AppliedSuccessfully"
    assert blake.applied_date_time == at("2026-01-19T09:00:00")
    casey = (await list_decisions(graph, review, q1[RETAIL]))[0]
    assert (casey.decision, casey.apply_result, casey.applied_date_time) == ("NotReviewed", "New", None)

    # Quarter 2 starts three months after the start date (00:00 UTC): Feelgood now has Avery only.
    await advance(raw_client, "P76D")  # 2026-04-06
    q2 = await by_group(graph, review, "InProgress")
    assert set(q2) == {FEELGOOD, RETAIL}
    assert set(q2.values()).isdisjoint(q1.values())
    second = await list_instances(graph, review, "InProgress")
    assert {i.start_date_time for i in second} == {at("2026-04-05T00:00:00")}
    feelgood = await list_decisions(graph, review, q2[FEELGOOD])
    assert [d.principal.id for d in feelgood if d.principal] == [tenant.avery.id]
    assert len(await list_instances(graph, review)) == 4
    assert len(await list_instances(graph, review, "Applied")) == 2

    await decide(graph, review, q2[RETAIL], tenant.casey.id, "Deny")
    await advance(raw_client, "P14D")
    assert len(await list_instances(graph, review, "Applied")) == 4
    assert not tenant.member(RETAIL, tenant.casey)


async def test_default_deny_with_auto_apply_removes_silent_guests(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    review = await create(graph, start=TODAY, default_decision="Deny", auto_apply=True)
    q1 = await by_group(graph, review)
    await decide(graph, review, q1[FEELGOOD], tenant.avery.id, "Approve")
    await advance(raw_client, "P15D")
    assert tenant.member(FEELGOOD, tenant.avery)
    assert not tenant.member(FEELGOOD, tenant.blake)
    assert not tenant.member(RETAIL, tenant.casey)
    silent = next(d for d in await list_decisions(graph, review, q1[RETAIL]))
    assert silent.decision == "Deny"
    assert silent.reviewed_by is not None
    assert (silent.reviewed_by.id, silent.reviewed_by.display_name) == (
        "00000000-0000-0000-0000-000000000000",
        "AAD Access Reviews",
    )
    assert silent.applied_by is not None
    assert silent.applied_by.display_name == "AAD Access Reviews"


STOP_DOC = "https://learn.microsoft.com/graph/api/accessreviewinstance-stop?view=graph-rest-1.0"
APPLY_DOC = "https://learn.microsoft.com/graph/api/accessreviewinstance-applydecisions?view=graph-rest-1.0"


async def denial_applied(graph: GraphServiceClient, review: str, instance_id: str) -> str | None:
    [denied] = [d for d in await list_decisions(graph, review, instance_id) if d.decision == "Deny"]
    return denied.apply_result


async def test_without_auto_apply_the_instance_waits_for_apply_decisions(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """APPLY_DOC: for decisions "not applied automatically because autoApplyDecisionsEnabled is
    false"; "the status of the accessReviewInstance must be Completed to call this method"."""
    review = await create(graph, start=TODAY, auto_apply=False)
    q1 = await by_group(graph, review)
    await decide(graph, review, q1[FEELGOOD], tenant.blake.id, "Deny")
    instance = definition_item(graph, review).instances.by_access_review_instance_id(q1[FEELGOOD])

    with pytest.raises(ODataError) as caught:  # still InProgress
        await instance.apply_decisions.post()
    assert odata_error(caught)[:2] == (400, "BadRequest")
    assert "Completed" in (odata_error(caught)[2] or "")

    await advance(raw_client, "P15D")  # the end date passes: Completed, nothing applied yet
    fetched = await instance.get()
    assert fetched is not None
    assert fetched.status == "Completed"
    assert tenant.member(FEELGOOD, tenant.blake)
    assert await denial_applied(graph, review, q1[FEELGOOD]) == "New"

    assert await instance.apply_decisions.post() is None  # 204
    fetched = await instance.get()
    assert fetched is not None
    assert fetched.status == "Applied"
    assert not tenant.member(FEELGOOD, tenant.blake)
    assert await denial_applied(graph, review, q1[FEELGOOD]) == "AppliedSuccessfully"
    with pytest.raises(ODataError) as caught:  # applied once: no longer Completed
        await instance.apply_decisions.post()
    assert odata_error(caught)[:2] == (400, "BadRequest")


async def test_stop_without_auto_apply_completes_and_leaves_the_decisions_to_apply_decisions(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """STOP_DOC: the stopped instance "is marked as Completed, the reviewers can no longer give
    input"; with auto-apply off the decisions wait for APPLY_DOC's call, as at a scheduled end."""
    review = await create(graph, start=TODAY, auto_apply=False)
    q1 = await by_group(graph, review)
    await decide(graph, review, q1[FEELGOOD], tenant.blake.id, "Deny")
    await advance(raw_client, "P2D")
    instance = definition_item(graph, review).instances.by_access_review_instance_id(q1[FEELGOOD])

    assert await instance.stop.post() is None  # 204
    fetched = await instance.get()
    assert fetched is not None
    assert (fetched.status, fetched.end_date_time) == ("Completed", at("2026-01-07T09:00:00"))
    assert tenant.member(FEELGOOD, tenant.blake)  # not applied by the stop
    assert await denial_applied(graph, review, q1[FEELGOOD]) == "New"
    with pytest.raises(ODataError) as caught:  # reviewers can no longer respond
        await decide(graph, review, q1[FEELGOOD], tenant.avery.id, "Deny")
    assert odata_error(caught)[:2] == (400, "BadRequest")
    with pytest.raises(ODataError) as caught:
        await instance.stop.post()
    assert odata_error(caught)[:2] == (400, "BadRequest")

    assert await instance.apply_decisions.post() is None  # the documented next step: 204
    fetched = await instance.get()
    assert fetched is not None
    assert fetched.status == "Applied"
    assert not tenant.member(FEELGOOD, tenant.blake)
    assert await denial_applied(graph, review, q1[FEELGOOD]) == "AppliedSuccessfully"
    # stopping one instance stops neither the other group's instance nor the series
    retail = await definition_item(graph, review).instances.by_access_review_instance_id(q1[RETAIL]).get()
    assert retail is not None
    assert retail.status == "InProgress"


async def test_stop_with_auto_apply_completes_and_applies_at_once(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """STOP_DOC: "... and the access review decisions are applied" (auto-apply on)."""
    review = await create(graph, start=TODAY, auto_apply=True)
    q1 = await by_group(graph, review)
    await decide(graph, review, q1[FEELGOOD], tenant.blake.id, "Deny")
    instance = definition_item(graph, review).instances.by_access_review_instance_id(q1[FEELGOOD])

    assert await instance.stop.post() is None
    fetched = await instance.get()
    assert fetched is not None
    assert fetched.status == "Applied"
    assert not tenant.member(FEELGOOD, tenant.blake)
    [denied] = [d for d in await list_decisions(graph, review, q1[FEELGOOD]) if d.decision == "Deny"]
    assert denied.apply_result == "AppliedSuccessfully"
    assert denied.applied_by is not None
    assert denied.applied_by.display_name == "AAD Access Reviews"  # the service's auto-apply
    with pytest.raises(ODataError) as caught:
        await instance.apply_decisions.post()
    assert odata_error(caught)[:2] == (400, "BadRequest")


async def test_several_quarters_at_once_run_in_time_order(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Quarter 1's default Deny removes every guest before quarter 2 enumerates the groups."""
    review = await create(graph, start=TODAY, default_decision="Deny", auto_apply=True)
    await advance(raw_client, "P400D")
    instances = await list_instances(graph, review)
    assert len(instances) == 2
    assert {i.status for i in instances} == {"Applied"}


async def test_several_quarters_at_once_without_removals(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    review = await create(graph, start=TODAY)
    await advance(raw_client, "P200D")  # 2026-07-24: quarters start Jan 5, Apr 5, Jul 5
    instances = await list_instances(graph, review)
    starts = sorted({i.start_date_time for i in instances if i.start_date_time})
    assert starts == [at("2026-01-05T09:00:00"), at("2026-04-05T00:00:00"), at("2026-07-05T00:00:00")]
    assert len(instances) == 6
    assert {i.status for i in instances} == {"Applied"}


async def test_enumeration_honours_excluded_groups(graph: GraphServiceClient, tenant: Tenant) -> None:
    excluding = f"/groups?$filter=(groupTypes/any(c:c+eq+'Unified') and id ne '{RETAIL}')&$count=true"
    review = await create(graph, start=TODAY, enumeration=excluding)
    assert set(await by_group(graph, review)) == {FEELGOOD}


async def test_a_group_gaining_a_guest_joins_the_next_round(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant, emulator_state: TenantState
) -> None:
    review = await create(graph, start=TODAY)
    add_guest(emulator_state, "Finley", groups=(SALES,))
    assert set(await by_group(graph, review)) == {FEELGOOD, RETAIL}  # enumerated at the start
    await advance(raw_client, "P91D")
    assert set(await by_group(graph, review, "InProgress")) == {FEELGOOD, RETAIL, SALES}


async def test_future_series_shows_not_started_instances_until_its_start(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant, emulator_state: TenantState
) -> None:
    review = await create(graph, start=date(2026, 2, 1))
    definition = await definition_item(graph, review).get()
    assert definition is not None
    assert definition.status == "NotStarted"
    planned = await list_instances(graph, review)
    assert {i.status for i in planned} == {"NotStarted"}
    assert {i.start_date_time for i in planned} == {at("2026-02-01T00:00:00")}
    planned_ids = await by_group(graph, review)
    assert await list_decisions(graph, review, planned_ids[FEELGOOD]) == []

    add_guest(emulator_state, "Gray", groups=(SALES,))
    await advance(raw_client, "P27D")  # 2026-02-01 09:00
    started = await by_group(graph, review)
    assert set(started) == {FEELGOOD, RETAIL, SALES}
    assert started[FEELGOOD] == planned_ids[FEELGOOD]  # the planned instance is the one that runs
    assert {i.status for i in await list_instances(graph, review)} == {"InProgress"}
    definition = await definition_item(graph, review).get()
    assert definition is not None
    assert definition.status == "InProgress"


@pytest.mark.parametrize(
    ("options", "advance_by", "rounds"),
    [
        ({"range_type": RecurrenceRangeType.EndDate, "end": date(2026, 6, 30)}, "P730D", 2),
        ({"range_type": RecurrenceRangeType.Numbered, "occurrences": 3}, "P730D", 3),
        ({"range_type": RecurrenceRangeType.NoEnd}, "P730D", 9),
        (
            {"pattern": RecurrencePatternType.Weekly, "interval": 2, "duration_days": 3},
            "P35D",  # Jan 5, Jan 19, Feb 2
            3,
        ),
        ({"interval": 1, "duration_days": 7}, "P55D", 2),  # monthly: Jan 5, Feb 5 (Mar 1 is before Mar 5)
    ],
)
async def test_recurrence_creates_rounds_until_the_range_ends(
    graph: GraphServiceClient,
    raw_client: httpx.AsyncClient,
    tenant: Tenant,
    options,
    advance_by: str,
    rounds: int,
) -> None:
    review = await create(graph, start=TODAY, **options)
    await advance(raw_client, advance_by)
    instances = await list_instances(graph, review)
    assert len({i.start_date_time for i in instances}) == rounds
    assert len(instances) == rounds * 2


async def test_definition_status_completes_with_its_series(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    review = await create(graph, start=TODAY, range_type=RecurrenceRangeType.Numbered, occurrences=1)
    definition = await definition_item(graph, review).get()
    assert definition is not None
    assert definition.status == "InProgress"
    await advance(raw_client, "P15D")
    definition = await definition_item(graph, review).get()
    assert definition is not None
    assert definition.status == "Completed"


async def test_put_affects_future_instances_only(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    review = await create(graph, start=TODAY, duration_days=14)
    await definition_item(graph, review).put(guest_review(start=TODAY, duration_days=7))
    running = await list_instances(graph, review)
    assert {i.end_date_time for i in running} == {at("2026-01-19T09:00:00")}
    await advance(raw_client, "P91D")
    upcoming = await list_instances(graph, review, "InProgress")
    assert {i.end_date_time for i in upcoming} == {at("2026-04-12T00:00:00")}


async def test_single_group_review_has_one_instance(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = guest_review(start=TODAY)
    body.scope = AccessReviewQueryScope(
        query=f"/groups/{SALES}/transitiveMembers", query_type="MicrosoftGraph"
    )
    body.instance_enumeration_scope = None
    body.reviewers = [
        AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")
    ]
    created = await graph.identity_governance.access_reviews.definitions.post(body)
    assert created is not None
    assert created.id is not None
    instances = await list_instances(graph, created.id)
    assert len(instances) == 1
    assert isinstance(instances[0].scope, AccessReviewQueryScope)
    assert instances[0].scope.query == f"/groups/{SALES}/transitiveMembers"
    decisions = await list_decisions(graph, created.id, instances[0].id or "")
    assert [d.principal.display_name for d in decisions if d.principal] == [
        "Isaiah Langer"
    ]  # members, not guests


async def test_disable_and_delete_action_disables_then_deletes_after_30_days(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    review = await create(graph, start=TODAY, apply_actions=[DisableAndDeleteUserApplyAction()])
    q1 = await by_group(graph, review)
    await decide(graph, review, q1[FEELGOOD], tenant.blake.id, "Deny")
    await advance(raw_client, "P15D")
    assert tenant.blake.account_enabled is False
    assert tenant.blake.deleted is None
    assert tenant.member(FEELGOOD, tenant.blake)  # disabled, not removed
    await advance(raw_client, "P30D")
    assert tenant.blake.deleted == at("2026-02-18T09:00:00")
    assert tenant.avery.account_enabled is True
    assert tenant.avery.deleted is None


async def test_status_filter_and_instance_permissions(
    graph: GraphServiceClient, make_graph, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    review = await create(graph, start=TODAY)
    q1 = await by_group(graph, review)
    reader = make_graph(roles=["AccessReview.Read.All"])
    assert len(await list_instances(reader, review, "InProgress")) == 2
    assert await list_instances(reader, review, "Completed") == []
    instance = definition_item(reader, review).instances.by_access_review_instance_id(q1[FEELGOOD])
    assert (await instance.get()) is not None
    for write in (instance.stop.post(), instance.apply_decisions.post()):
        with pytest.raises(ODataError) as caught:
            await write
        assert odata_error(caught)[:2] == (403, "Authorization_RequestDenied")


async def test_instance_duration_zero_reproduces_the_tutorial(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Tutorial: start == end, InProgress when listed; the default Approve lands once time moves on."""
    review = await create(graph, start=TODAY, duration_days=0, default_decision="Approve")
    instances = await list_instances(graph, review)
    assert {(i.status, i.start_date_time == i.end_date_time) for i in instances} == {("InProgress", True)}
    await advance(raw_client, "PT6M")
    q1 = await by_group(graph, review)
    decisions = await list_decisions(graph, review, q1[FEELGOOD])
    assert {(d.decision, d.apply_result) for d in decisions} == {("Approve", "New")}
    assert {d.reviewed_by.display_name for d in decisions if d.reviewed_by} == {"AAD Access Reviews"}
    assert {i.status for i in await list_instances(graph, review)} == {"Applied"}


async def test_put_before_the_start_moves_the_plan(graph: GraphServiceClient, tenant: Tenant) -> None:
    review = await create(graph, start=date(2026, 2, 1))
    planned = await by_group(graph, review)
    await definition_item(graph, review).put(guest_review(start=date(2026, 3, 1)))
    moved = await list_instances(graph, review)
    assert {i.start_date_time for i in moved} == {at("2026-03-01T00:00:00")}
    assert await by_group(graph, review) == planned  # the same planned instances, rescheduled
