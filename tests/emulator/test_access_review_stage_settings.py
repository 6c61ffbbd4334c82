"""Multi-stage definitions through the real msgraph-sdk: ``stageSettings`` as Graph v1.0 documents
them (create, echo, validation, PUT), from the create page's example 4 and the resource pages:
https://learn.microsoft.com/graph/api/accessreviewset-post-definitions?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/resources/accessreviewstagesettings?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/resources/accessreviewscheduledefinition?view=graph-rest-1.0
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.generated.models.access_review_schedule_settings import AccessReviewScheduleSettings
from msgraph.generated.models.access_review_stage_settings import AccessReviewStageSettings
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState

from .access_review_fixtures import (
    FALLBACK_REVIEWER,
    FEELGOOD,
    MEGAN,
    RETAIL,
    add_guest,
    guest_review,
    list_instances,
    owners,
    sponsors_then_owners,
)
from .directory_helpers import bearer, odata_error

TODAY = date(2026, 1, 5)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def definitions(graph: GraphServiceClient):
    return graph.identity_governance.access_reviews.definitions


def example_4() -> AccessReviewScheduleDefinition:
    """The create page's example 4 ("Create an access review on a group with multiple stages"), with
    the seed tenant's ids: a user reviews first, then the people managers, fallback a group's members."""
    return AccessReviewScheduleDefinition(
        display_name="Group Multi-stage Access Review",
        description_for_admins="New scheduled access review",
        description_for_reviewers="If you have any questions, contact jerry@contoso.com",
        scope=AccessReviewQueryScope(
            odata_type="#microsoft.graph.accessReviewQueryScope",
            query=f"/groups/{FEELGOOD}/transitiveMembers",
            query_type="MicrosoftGraph",
        ),
        stage_settings=[
            AccessReviewStageSettings(
                stage_id="1",
                duration_in_days=2,
                recommendations_enabled=False,
                decisions_that_will_move_to_next_stage=["NotReviewed", "Approve"],
                reviewers=[AccessReviewReviewerScope(query=f"/users/{MEGAN}", query_type="MicrosoftGraph")],
            ),
            AccessReviewStageSettings(
                stage_id="2",
                depends_on=["1"],
                duration_in_days=2,
                recommendations_enabled=True,
                reviewers=[
                    AccessReviewReviewerScope(
                        query="./manager", query_type="MicrosoftGraph", query_root="decisions"
                    )
                ],
                fallback_reviewers=[
                    AccessReviewReviewerScope(
                        query=f"/groups/{RETAIL}/transitiveMembers", query_type="MicrosoftGraph"
                    )
                ],
            ),
        ],
        settings=AccessReviewScheduleSettings(
            instance_duration_in_days=4,
            recurrence=PatternedRecurrence(
                pattern=RecurrencePattern(type=RecurrencePatternType.Weekly, interval=1),
                range=RecurrenceRange(type=RecurrenceRangeType.NoEnd, start_date=TODAY),
            ),
            decision_histories_for_reviewers_enabled=True,
        ),
    )


async def test_create_a_group_review_with_multiple_stages_as_example_4(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient
) -> None:
    """Example 4: 201, the stages echoed as sent (./manager with queryRoot "decisions"), the history
    setting kept; the instance lasts the stages' cumulative 4 days and opens its first stage."""
    created = await definitions(graph).post(example_4())
    assert created is not None
    assert created.id is not None
    first, second = created.stage_settings or []
    assert (first.stage_id, first.depends_on, first.duration_in_days) == ("1", [], 2)
    assert (first.recommendations_enabled, first.decisions_that_will_move_to_next_stage) == (
        False,
        ["NotReviewed", "Approve"],
    )
    assert [r.query for r in first.reviewers or []] == [f"/users/{MEGAN}"]
    assert first.fallback_reviewers == []
    assert (second.stage_id, second.depends_on, second.recommendations_enabled) == ("2", ["1"], True)
    assert [(r.query, r.query_root) for r in second.reviewers or []] == [("./manager", "decisions")]
    assert [r.query for r in second.fallback_reviewers or []] == [f"/groups/{RETAIL}/transitiveMembers"]
    assert second.decisions_that_will_move_to_next_stage == []  # "If not provided, all decisions"
    assert created.settings is not None
    assert created.settings.decision_histories_for_reviewers_enabled is True
    assert created.reviewers == []  # the stages name the reviewers

    [instance] = await list_instances(graph, created.id)
    assert (instance.start_date_time, instance.end_date_time) == (NOW, NOW + timedelta(days=4))
    stages = await (
        definitions(graph)
        .by_access_review_schedule_definition_id(created.id)
        .instances.by_access_review_instance_id(instance.id or "")
        .stages.get()
    )
    assert stages is not None
    [stage] = stages.value or []
    assert (stage.status, stage.start_date_time, stage.end_date_time) == (
        "InProgress",
        NOW,
        NOW + timedelta(days=2),
    )


async def test_a_stage_recommendation_look_back_overrides_the_definition_and_shows_on_beta_only(
    graph: GraphServiceClient, make_graph, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """recommendationLookBackDuration on a stage "overrides the corresponding setting" (resource
    page). v1.0's schema has no such stage property (the SDK's v1.0 model lacks it, so it is sent as
    additional data): v1.0 does not echo it, beta (whose page shows it) does."""
    guest = add_guest(emulator_state, "Recent", groups=(FEELGOOD,), last_sign_in=NOW - timedelta(days=20))
    body = sponsors_then_owners(start=TODAY)
    stage = (body.stage_settings or [])[0]
    stage.additional_data = {"recommendationLookBackDuration": "P14D"}  # the definition keeps 30 days
    created = await definitions(graph).post(body)
    assert created is not None
    assert created.id is not None
    assert (created.stage_settings or [])[0].additional_data == {}

    headers = await bearer(raw_client)
    beta = await raw_client.get(
        f"/beta/identityGovernance/accessReviews/definitions/{created.id}", headers=headers
    )
    assert beta.json()["stageSettings"][0]["recommendationLookBackDuration"] == "P14D"
    [instance] = await list_instances(graph, created.id)
    listed = (await raw_client.get("/_emulator/accessReviews/instances")).json()["value"]
    stage_id = next(i for i in listed if i["id"] == instance.id)["stages"][0]["id"]
    decisions = await (
        definitions(graph)
        .by_access_review_schedule_definition_id(created.id)
        .instances.by_access_review_instance_id(instance.id or "")
        .stages.by_access_review_stage_id(stage_id)
        .decisions.get()
    )
    assert decisions is not None
    [item] = decisions.value or []
    assert (item.principal.id, item.recommendation) == (guest.id, "Deny")  # 20 days > 14 days


def _stages(*stages: AccessReviewStageSettings) -> Callable[[AccessReviewScheduleDefinition], None]:
    def change(body: AccessReviewScheduleDefinition) -> None:
        body.stage_settings = list(stages)

    return change


def _stage(
    stage_id: str,
    *depends_on: str,
    days: int | None = 7,
    recommendations: bool | None = True,
    moving: list[str] | None = None,
) -> AccessReviewStageSettings:
    return AccessReviewStageSettings(
        stage_id=stage_id,
        depends_on=list(depends_on) or None,
        duration_in_days=days,
        recommendations_enabled=recommendations,
        decisions_that_will_move_to_next_stage=moving,
        reviewers=[owners()],
    )


def _weekly(body: AccessReviewScheduleDefinition) -> None:
    assert body.settings is not None
    assert body.settings.recurrence is not None
    body.settings.recurrence.pattern = RecurrencePattern(type=RecurrencePatternType.Weekly, interval=1)
    body.stage_settings = [_stage("1", days=4), _stage("2", "1", days=4)]


def _monthly(days: int) -> Callable[[AccessReviewScheduleDefinition], None]:
    def change(body: AccessReviewScheduleDefinition) -> None:
        assert body.settings is not None
        assert body.settings.recurrence is not None
        body.settings.recurrence.pattern = RecurrencePattern(
            type=RecurrencePatternType.AbsoluteMonthly, interval=1
        )
        body.stage_settings = [_stage("1", days=days)]

    return change


REFUSED = [
    pytest.param(
        _stages(_stage("1"), _stage("2", "1"), _stage("3", "2"), _stage("4", "3")),
        "at most 3 stages",
        id="four stages",
    ),
    pytest.param(
        _stages(_stage("1", days=None)), "durationInDays of stage '1' is required", id="no duration"
    ),
    pytest.param(
        _stages(_stage("1", recommendations=None)),
        "recommendationsEnabled of stage '1' is required",
        id="no recommendationsEnabled",
    ),
    pytest.param(
        _stages(_stage("1", "2"), _stage("2", "1")), "must not specify dependsOn", id="stage 1 depends"
    ),
    pytest.param(_stages(_stage("1"), _stage("2")), "must not specify dependsOn", id="two first stages"),
    pytest.param(
        _stages(_stage("1"), _stage("2", "1"), _stage("3", "1")),
        "Only sequential stages",
        id="parallel stages",
    ),
    pytest.param(
        _stages(_stage("1"), _stage("2", "9")), "depend on exactly one other stage", id="unknown stage"
    ),
    pytest.param(
        _stages(_stage("1"), _stage("1", "1")), "used by more than one stage", id="duplicate stageId"
    ),
    pytest.param(
        _stages(_stage("1", moving=["DontKnow"]), _stage("2", "1")),
        "decisionsThatWillMoveToNextStage",
        id="unknown decision",
    ),
    pytest.param(_weekly, "add up to 8 days, more than one recurrence (7 days)", id="longer than a week"),
    pytest.param(_monthly(29), "more than one recurrence (28 days)", id="longer than a month"),
]


@pytest.mark.parametrize(("change", "fragment"), REFUSED)
async def test_stage_settings_are_validated_as_documented(
    graph: GraphServiceClient, change: Callable[[AccessReviewScheduleDefinition], None], fragment: str
) -> None:
    """The resource page's rules: stageId, durationInDays and recommendationsEnabled required; only
    sequential stages ("if stageId is 2, then dependsOn must be 1. If stageId is 1, don't specify
    dependsOn"); up to three stages (definition page); decisions that move on "a subset of Approve,
    Deny, Recommendation, or NotReviewed"; the cumulative duration "Can't exceed the length of one
    recurrence". Refusals are 400 BadRequest (the message is the emulator's)."""
    body = guest_review(start=TODAY)
    change(body)
    with pytest.raises(ODataError) as caught:
        await definitions(graph).post(body)
    status, code, message = odata_error(caught)
    assert (status, code) == (400, "BadRequest")
    assert fragment in (message or "")
    page = await definitions(graph).get()
    assert page is not None
    assert page.value == []


async def test_a_monthly_review_may_fill_its_shortest_month(graph: GraphServiceClient) -> None:
    body = guest_review(start=TODAY)
    _monthly(28)(body)
    created = await definitions(graph).post(body)
    assert created is not None
    assert [s.duration_in_days for s in created.stage_settings or []] == [28]


async def test_stages_in_any_order_run_in_the_order_of_depends_on(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """The stages are echoed as sent; they run from the stage without dependsOn along dependsOn."""
    add_guest(emulator_state, "Ordered", groups=(FEELGOOD,))
    body = guest_review(start=TODAY)
    body.stage_settings = [_stage("2", "1", days=5), _stage("1", days=3)]
    created = await definitions(graph).post(body)
    assert created is not None
    assert [s.stage_id for s in created.stage_settings or []] == ["2", "1"]
    [instance] = (await raw_client.get("/_emulator/accessReviews/instances")).json()["value"]
    assert [(s["stageId"], s["endDateTime"]) for s in instance["stages"]] == [("1", "2026-01-08T09:00:00Z")]
    assert instance["endDateTime"] == "2026-01-13T09:00:00Z"  # 3 + 5 days


async def test_put_may_change_only_the_reviewers_of_the_stages(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient
) -> None:
    """Definition page: stageSettings "Only reviewers and fallback reviewers are updatable"; PUT
    takes the full object (update page) and answers 204; without stageSettings they are kept."""
    created = await definitions(graph).post(sponsors_then_owners(start=TODAY + timedelta(days=30)))
    assert created is not None
    assert created.id is not None
    item = definitions(graph).by_access_review_schedule_definition_id(created.id)

    body = sponsors_then_owners(start=TODAY + timedelta(days=30))
    (body.stage_settings or [])[1].reviewers = [
        AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")
    ]
    assert await item.put(body) is None  # 204 No Content
    stored = await item.get()
    assert stored is not None
    assert [r.query for r in (stored.stage_settings or [])[1].reviewers or []] == [
        f"/users/{FALLBACK_REVIEWER}"
    ]

    without = sponsors_then_owners(start=TODAY + timedelta(days=30))
    without.stage_settings = None
    await item.put(without)
    kept = await item.get()
    assert kept is not None
    assert [s.stage_id for s in kept.stage_settings or []] == ["1", "2"]

    longer = sponsors_then_owners(start=TODAY + timedelta(days=30), owner_days=10)
    with pytest.raises(ODataError) as caught:
        await item.put(longer)
    status, code, message = odata_error(caught)
    assert (status, code) == (400, "BadRequest")
    assert "Only the reviewers and fallbackReviewers of the stageSettings" in (message or "")


async def test_put_cannot_turn_a_single_stage_review_into_a_multi_stage_one(
    graph: GraphServiceClient,
) -> None:
    created = await definitions(graph).post(guest_review(start=TODAY + timedelta(days=30)))
    assert created is not None
    assert created.id is not None
    with pytest.raises(ODataError) as caught:
        await (
            definitions(graph)
            .by_access_review_schedule_definition_id(created.id)
            .put(sponsors_then_owners(start=TODAY + timedelta(days=30)))
        )
    assert odata_error(caught)[:2] == (400, "BadRequest")
