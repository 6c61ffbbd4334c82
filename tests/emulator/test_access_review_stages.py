"""Multi-stage rounds through the real msgraph-sdk: stages over the emulator's clock, each stage's
decisions, what moves on, the instance's decisions, and the stage operations, as the v1.0 pages
describe them:
https://learn.microsoft.com/graph/api/resources/accessreviewstage?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/accessreviewinstance-list-stages?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/accessreviewstage-list-decisions?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/accessreviewstage-stop?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/accessreviewstage-update?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/resources/accessreviewstagesettings?view=graph-rest-1.0

The round is the issue's: each guest's sponsors decide first, then the group's owners decide on
the guests the sponsors approved or left unreviewed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.batch_record_decisions.batch_record_decisions_post_request_body import (  # noqa: E501
    BatchRecordDecisionsPostRequestBody as InstanceBatchBody,
)
from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.stages.item.batch_record_decisions.batch_record_decisions_post_request_body import (  # noqa: E501
    BatchRecordDecisionsPostRequestBody,
)
from msgraph.generated.models.access_review_instance_decision_item import AccessReviewInstanceDecisionItem
from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.access_review_stage import AccessReviewStage
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState

from .access_review_fixtures import (
    FALLBACK_REVIEWER,
    FEELGOOD,
    MEGAN,
    add_guest,
    advance,
    guest_review,
    list_instances,
    sponsors_then_owners,
)
from .directory_helpers import ADELE, ALEX, ISAIAH, odata_error

TODAY = date(2026, 1, 5)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
CALLER = "5e3ce6c0-2b1f-4285-8d4b-75ee78787346"  # the emulator's calling application
AAD = "00000000-0000-0000-0000-000000000000"  # "AAD Access Reviews", default decisions


class Round:
    """One multi-stage instance of a series, read and driven through the SDK."""

    def __init__(self, graph: GraphServiceClient, definition_id: str, instance_id: str) -> None:
        self.graph, self.definition_id, self.instance_id = graph, definition_id, instance_id
        self.instance = (
            graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
                definition_id
            ).instances.by_access_review_instance_id(instance_id)
        )

    async def stages(self, status: str | None = None) -> list[AccessReviewStage]:
        config = None
        if status is not None:
            params = self.instance.stages.StagesRequestBuilderGetQueryParameters(
                filter=f"status eq '{status}'"
            )
            config = RequestConfiguration(query_parameters=params)
        page = await self.instance.stages.get(request_configuration=config)
        assert page is not None
        assert page.odata_count == len(page.value or [])
        return page.value or []

    def stage(self, stage_id: str) -> Any:
        return self.instance.stages.by_access_review_stage_id(stage_id)

    async def stage_decisions(self, stage_id: str) -> dict[str, AccessReviewInstanceDecisionItem]:
        page = await self.stage(stage_id).decisions.get()
        assert page is not None
        return {str(d.principal.id): d for d in page.value or [] if d.principal}

    async def decisions(self) -> dict[str, AccessReviewInstanceDecisionItem]:
        page = await self.instance.decisions.get()
        assert page is not None
        return {str(d.principal.id): d for d in page.value or [] if d.principal}

    async def status(self) -> str | None:
        found = await self.instance.get()
        assert found is not None
        return found.status


async def start(graph: GraphServiceClient, **options: Any) -> Round:
    created = await graph.identity_governance.access_reviews.definitions.post(
        sponsors_then_owners(start=TODAY, **options)
    )
    assert created is not None
    assert created.id is not None
    [instance] = await list_instances(graph, created.id)
    return Round(graph, created.id, instance.id or "")


async def decide(raw_client: httpx.AsyncClient, review: Round, principal_id: str, decision: str) -> Any:
    """A reviewer records a decision as in My Access (the emulator's control plane); by default the
    reviewer asked for the item in the current stage. Answers the instance's item."""
    body = {"instanceId": review.instance_id, "principalId": principal_id, "decision": decision}
    response = await raw_client.post("/_emulator/accessReviews/decisions", json=body)
    assert response.status_code == 200, response.text
    return response.json()["value"][0]


def decided(item: AccessReviewInstanceDecisionItem) -> tuple[str | None, str | None]:
    return item.decision, item.reviewed_by.id if item.reviewed_by else None


async def test_sponsors_decide_first_then_owners_decide_on_what_moves_on(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """List-stages example: the completed stage stays listed beside the one in progress. The stage
    settings: the second stage gets the decisions in decisionsThatWillMoveToNextStage (Approve,
    NotReviewed). The stop page: the instance's items "reflect the last decisions recorded across
    all stages", so the final stage's decision is the instance's when it records one."""
    ann = add_guest(emulator_state, "Ann", groups=(FEELGOOD,), sponsors=(ALEX,))
    bob = add_guest(emulator_state, "Bob", groups=(FEELGOOD,), sponsors=(ADELE,))
    cid = add_guest(emulator_state, "Cid", groups=(FEELGOOD,))  # no sponsor: the fallback reviewer
    review = await start(graph)

    [first] = await review.stages()
    assert (first.status, first.start_date_time, first.end_date_time) == ("InProgress", NOW, NOW + WEEK)
    assert [(r.query, r.query_root) for r in first.reviewers or []] == [("./sponsors", "decisions")]
    assert all(d.decision == "NotReviewed" for d in (await review.stage_decisions(first.id or "")).values())
    assert (await decide(raw_client, review, ann.id, "Approve"))["reviewedBy"]["id"] == ALEX  # her sponsor
    assert (await decide(raw_client, review, bob.id, "Deny"))["reviewedBy"]["id"] == ADELE
    assert decided((await review.decisions())[ann.id]) == ("Approve", ALEX)

    await advance(raw_client, "P7DT1H")  # past the first stage's end
    completed, second = await review.stages()
    assert (completed.id, completed.status, completed.end_date_time) == (first.id, "Completed", NOW + WEEK)
    assert (second.status, second.start_date_time, second.end_date_time) == (
        "InProgress",
        NOW + WEEK,
        NOW + 2 * WEEK,
    )
    assert [r.query for r in second.reviewers or []] == ["./owners"]
    assert [s.id for s in await review.stages("InProgress")] == [second.id]
    earlier = await review.stage_decisions(first.id or "")  # the owners see the sponsors' decisions
    assert {p: decided(d) for p, d in earlier.items()} == {
        ann.id: ("Approve", ALEX),
        bob.id: ("Deny", ADELE),
        cid.id: ("NotReviewed", AAD),
    }
    later = await review.stage_decisions(second.id or "")
    assert set(later) == {ann.id, cid.id}  # Bob's Deny does not move on
    assert {d.decision for d in later.values()} == {"NotReviewed"}
    assert decided((await review.decisions())[ann.id]) == ("Approve", ALEX)  # the last one recorded

    assert (await decide(raw_client, review, ann.id, "Deny"))["reviewedBy"]["id"] == MEGAN  # the owner
    await review.stage(second.id or "").batch_record_decisions.post(
        BatchRecordDecisionsPostRequestBody(decision="Approve", principal_id=cid.id)
    )
    assert {p: decided(d) for p, d in (await review.decisions()).items()} == {
        ann.id: ("Deny", MEGAN),
        bob.id: ("Deny", ADELE),
        cid.id: ("Approve", CALLER),
    }

    await advance(raw_client, "P7D")  # past the instance's end: auto-apply
    assert await review.status() == "Applied"
    assert [s.status for s in await review.stages()] == ["Completed", "Completed"]
    group = emulator_state.directory.groups[FEELGOOD]
    assert (ann.id in group.members, bob.id in group.members, cid.id in group.members) == (False, False, True)
    final = await review.decisions()
    assert {p: d.apply_result for p, d in final.items()} == {
        ann.id: "AppliedSuccessfully",
        bob.id: "AppliedSuccessfully",
        cid.id: "New",
    }
    assert (await review.stage_decisions(second.id or ""))[ann.id].apply_result == "AppliedSuccessfully"
    assert (await review.stage_decisions(first.id or ""))[bob.id].apply_result == "AppliedSuccessfully"


async def test_each_stage_asks_its_own_reviewers_and_the_instance_lists_them_all(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """contactedReviewers lists the reviewers asked so far: the sponsors and the fallback reviewer
    (for the guest without a sponsor) at the start, the group's owner once the second stage opens."""
    add_guest(emulator_state, "Sponsored", groups=(FEELGOOD,), sponsors=(ISAIAH,))
    add_guest(emulator_state, "Unsponsored", groups=(FEELGOOD,))
    review = await start(graph)

    async def contacted() -> list[tuple[str | None, datetime | None]]:
        page = await review.instance.contacted_reviewers.get()
        assert page is not None
        return [(r.id, r.created_date_time) for r in page.value or []]

    assert await contacted() == [(ISAIAH, NOW), (FALLBACK_REVIEWER, NOW)]
    await advance(raw_client, "P7DT1H")
    assert await contacted() == [(ISAIAH, NOW), (FALLBACK_REVIEWER, NOW), (MEGAN, NOW + WEEK)]


async def test_stopping_a_stage_opens_the_next_one_now(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """Stop page: the stage becomes Completed, "the reviewers can no longer give input", and "If
    there are subsequent stages that depend on the completed stage, the next stage will be
    created"; 204. The next stage keeps its scheduled end (the cumulative durations); stopping the
    last stage ends the instance as the instance's stop does."""
    guest = add_guest(emulator_state, "Early", groups=(FEELGOOD,), sponsors=(ALEX,))
    review = await start(graph, auto_apply=False)
    await advance(raw_client, "P1D")
    [first] = await review.stages()

    assert await review.stage(first.id or "").stop.post() is None  # 204 No Content

    completed, second = await review.stages()
    assert (completed.status, completed.end_date_time) == ("Completed", NOW + timedelta(days=1))
    assert (second.status, second.start_date_time, second.end_date_time) == (
        "InProgress",
        NOW + timedelta(days=1),
        NOW + 2 * WEEK,
    )
    with pytest.raises(ODataError) as caught:
        await review.stage(first.id or "").batch_record_decisions.post(
            BatchRecordDecisionsPostRequestBody(decision="Deny")
        )
    status, code, message = odata_error(caught)
    assert (status, code) == (400, "BadRequest")
    assert "it is Completed" in (message or "")

    await review.stage(second.id or "").stop.post()
    assert await review.status() == "Completed"  # auto-apply off: applyDecisions is next
    found = await review.instance.get()
    assert found is not None
    assert found.end_date_time == NOW + timedelta(days=1)
    assert [s.status for s in await review.stages()] == ["Completed", "Completed"]
    with pytest.raises(ODataError) as again:
        await review.stage(second.id or "").stop.post()
    assert odata_error(again)[:2] == (400, "BadRequest")
    assert guest.id in emulator_state.directory.groups[FEELGOOD].members


async def test_the_instance_operations_act_on_the_current_stage(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """The instance's batchRecordDecisions and decision updates record in the stage in progress; a
    principal that did not move on cannot be decided there any more (400)."""
    kept = add_guest(emulator_state, "Kept", groups=(FEELGOOD,), sponsors=(ALEX,))
    dropped = add_guest(emulator_state, "Dropped", groups=(FEELGOOD,), sponsors=(ALEX,))
    review = await start(graph)
    await decide(raw_client, review, dropped.id, "Deny")
    await advance(raw_client, "P7DT1H")
    [_, second] = await review.stages()

    await review.instance.batch_record_decisions.post(
        InstanceBatchBody(decision="Approve", principal_id=kept.id)
    )
    assert decided((await review.stage_decisions(second.id or ""))[kept.id]) == ("Approve", CALLER)
    items = await review.decisions()
    with pytest.raises(ODataError) as caught:
        await review.instance.decisions.by_access_review_instance_decision_item_id(
            items[dropped.id].id or ""
        ).patch(AccessReviewInstanceDecisionItem(decision="Approve"))
    status, code, message = odata_error(caught)
    assert (status, code) == (400, "BadRequest")
    assert "not under review in the current stage" in (message or "")
    assert decided((await review.decisions())[dropped.id]) == ("Deny", ALEX)


async def test_recommendations_follow_each_stage_and_recommendation_decisions_can_move_on(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """Stage settings: recommendationsEnabled per stage "overrides" the definition's;
    decisionsThatWillMoveToNextStage may name Recommendation: here only decisions taken from the
    recommendation (acceptRecommendations on the stage) move on, not the same decision taken by hand.
    https://learn.microsoft.com/graph/api/accessreviewstage-acceptrecommendations?view=graph-rest-1.0
    """
    active = add_guest(emulator_state, "Active", groups=(FEELGOOD,), last_sign_in=NOW - timedelta(days=2))
    manual = add_guest(emulator_state, "Manual", groups=(FEELGOOD,), last_sign_in=NOW - timedelta(days=2))
    review = await start(graph, moving=("Recommendation",), recommendations=(True, False))
    [first] = await review.stages()
    await decide(raw_client, review, manual.id, "Approve")

    assert await review.stage(first.id or "").accept_recommendations.post() is None  # 204
    accepted = (await review.stage_decisions(first.id or ""))[active.id]
    assert (accepted.recommendation, *decided(accepted)) == ("Approve", "Approve", CALLER)

    await advance(raw_client, "P7DT1H")
    [_, second] = await review.stages()
    later = await review.stage_decisions(second.id or "")
    assert list(later) == [active.id]  # the hand-made Approve stays in the first stage
    assert later[active.id].recommendation == "NoInfoAvailable"  # the second stage shows none


async def test_the_default_decision_applies_at_the_end_to_each_guest_s_last_stage(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """The definition's default decision is taken when the instance ends (a default at the first
    stage's end would decide before the owners could); each unreviewed guest gets it in the last
    stage that reviewed it, by "AAD Access Reviews"."""
    silent = add_guest(emulator_state, "Silent", groups=(FEELGOOD,), sponsors=(ALEX,))
    review = await start(graph, default_decision="Deny")
    await advance(raw_client, "P7DT1H")
    [first, second] = await review.stages()
    assert (await review.stage_decisions(first.id or ""))[silent.id].decision == "NotReviewed"  # moved on
    await advance(raw_client, "P7D")
    assert decided((await review.stage_decisions(second.id or ""))[silent.id]) == ("Deny", AAD)
    assert decided((await review.decisions())[silent.id]) == ("Deny", AAD)
    assert silent.id not in emulator_state.directory.groups[FEELGOOD].members


async def test_a_stage_gets_new_reviewers_but_keeps_its_fallback_reviewers(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """Update page: only reviewers and fallbackReviewers change, 200 with the stage; fallback
    reviewers can be added, and removing one "returns a 409 Conflict"."""
    guest = add_guest(emulator_state, "Reassigned", groups=(FEELGOOD,), sponsors=(ALEX,))
    review = await start(graph)
    [first] = await review.stages()
    user = AccessReviewReviewerScope(query=f"/users/{ADELE}", query_type="MicrosoftGraph")
    fallback = AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")
    extra = AccessReviewReviewerScope(query=f"/users/{ISAIAH}", query_type="MicrosoftGraph")

    updated = await review.stage(first.id or "").patch(
        AccessReviewStage(reviewers=[user], fallback_reviewers=[fallback, extra])
    )

    assert updated is not None
    assert [r.query for r in updated.reviewers or []] == [f"/users/{ADELE}"]
    assert [r.query for r in updated.fallback_reviewers or []] == [
        f"/users/{FALLBACK_REVIEWER}",
        f"/users/{ISAIAH}",
    ]
    assert (await decide(raw_client, review, guest.id, "Approve"))["reviewedBy"]["id"] == ADELE
    with pytest.raises(ODataError) as caught:
        await review.stage(first.id or "").patch(AccessReviewStage(fallback_reviewers=[extra]))
    assert odata_error(caught)[0] == 409
    with pytest.raises(ODataError) as refused:
        await review.stage(first.id or "").patch(AccessReviewStage(status="Completed"))
    assert odata_error(refused)[:2] == (400, "BadRequest")


async def test_a_single_stage_instance_has_no_stages_and_unknown_stages_are_404(
    graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    add_guest(emulator_state, "Single", groups=(FEELGOOD,))
    created = await graph.identity_governance.access_reviews.definitions.post(guest_review(start=TODAY))
    assert created is not None
    assert created.id is not None
    [instance] = await list_instances(graph, created.id)
    review = Round(graph, created.id, instance.id or "")
    assert await review.stages() == []
    with pytest.raises(ODataError) as caught:
        await review.stage("9ac05ca6-396a-469c-8a8b-bcb98fceb2dd").get()
    assert odata_error(caught)[:2] == (404, "Request_ResourceNotFound")


async def test_reading_stages_needs_read_and_acting_on_them_read_write(
    graph: GraphServiceClient, make_graph, emulator_state: TenantState
) -> None:
    """Each page's permission table: list stages, get a stage and list its decisions take
    AccessReview.Read.All; update, stop, batchRecordDecisions and acceptRecommendations take
    AccessReview.ReadWrite.All (403 Authorization_RequestDenied otherwise)."""
    add_guest(emulator_state, "Guarded", groups=(FEELGOOD,), sponsors=(ALEX,))
    review = await start(graph)
    [first] = await review.stages()
    reader = Round(make_graph(["AccessReview.Read.All"]), review.definition_id, review.instance_id)
    stage = reader.stage(first.id or "")
    assert [s.id for s in await reader.stages()] == [first.id]
    assert (await stage.get()).id == first.id
    assert len(await reader.stage_decisions(first.id or "")) == 1
    writes = [
        stage.stop.post(),
        stage.accept_recommendations.post(),
        stage.batch_record_decisions.post(BatchRecordDecisionsPostRequestBody(decision="Deny")),
        stage.patch(AccessReviewStage(reviewers=[])),
    ]
    for write in writes:
        with pytest.raises(ODataError) as caught:
            await write
        assert odata_error(caught)[:2] == (403, "Authorization_RequestDenied")
    assert [s.status for s in await review.stages()] == ["InProgress"]
