"""Ensuring the review definition against the emulator: create, repair, replace, renew, dry run."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from graph_emulator import TenantState
from shared.governance.definition import ReviewPolicy, to_json
from shared.governance.drift import drift
from shared.governance.ensure import EnsureResult, Outcome, desired_definition, ensure_definition
from shared.graph.raw import send_json
from tests.emulator.access_review_fixtures import RETAIL, SALES
from tests.shared.governance.fixtures import (
    AFTER_FIRST_ROUND,
    definitions,
    delete_definition,
    get_definition,
    guests_everywhere,
    put_definition,
)

POLICY = ReviewPolicy()


def today(state: TenantState) -> dt.date:
    return state.clock.now().date()


def ident(result: EnsureResult) -> str:
    assert result.definition_id is not None
    return result.definition_id


async def test_first_run_creates_then_unchanged_with_one_request(graph, emulator_state) -> None:
    created = await ensure_definition(graph, POLICY, today=today(emulator_state))
    assert created.outcome is Outcome.CREATED
    assert created.definition_id in definitions(emulator_state)
    stored = await get_definition(graph, ident(created))
    assert stored["settings"]["recurrence"]["range"]["startDate"] == "2026-04-01"  # next quarter
    assert (
        drift(to_json(desired_definition(POLICY, today(emulator_state), None)), stored, compare_start=True)
        == []
    )

    emulator_state.requests.clear()
    again = await ensure_definition(graph, POLICY, today=today(emulator_state))
    assert (again.outcome, again.definition_id) == (Outcome.UNCHANGED, created.definition_id)
    assert emulator_state.requests.round_trips == 1  # the filtered list; nothing else
    assert emulator_state.requests.writes == 0


async def test_an_edit_made_in_graph_is_repaired(graph, emulator_state) -> None:
    first = await ensure_definition(graph, POLICY, today=today(emulator_state))
    edited = await get_definition(graph, ident(first))
    edited["settings"]["autoApplyDecisionsEnabled"] = False
    edited["settings"]["instanceDurationInDays"] = 3
    edited["fallbackReviewers"] = [
        {"query": "/users/c9a5aff7-9298-4d71-adab-0a222e0a05e4", "queryType": "MicrosoftGraph"}
    ]
    await put_definition(graph, ident(first), edited)

    repaired = await ensure_definition(graph, POLICY, today=today(emulator_state))
    assert repaired.outcome is Outcome.UPDATED
    assert repaired.definition_id == first.definition_id
    assert repaired.drifted == (
        "fallbackReviewers",
        "settings.autoApplyDecisionsEnabled",
        "settings.instanceDurationInDays",
    )
    stored = definitions(emulator_state)[ident(first)]
    assert stored["settings"]["autoApplyDecisionsEnabled"] is True
    assert stored["settings"]["recurrence"]["range"]["startDate"] == "2026-04-01"  # kept
    assert (await ensure_definition(graph, POLICY, today=today(emulator_state))).outcome is Outcome.UNCHANGED


async def test_a_policy_change_is_put_as_the_full_object(graph, emulator_state) -> None:
    await ensure_definition(graph, POLICY, today=today(emulator_state))
    stricter = replace(
        POLICY,
        default_decision_enabled=True,
        default_decision="Recommendation",
        recommendation_look_back_days=14,
    )
    emulator_state.requests.clear()
    result = await ensure_definition(graph, stricter, today=today(emulator_state))
    assert result.outcome is Outcome.UPDATED
    assert emulator_state.requests.summary()["byRoute"] == {
        "GET /v1.0/identityGovernance/accessReviews/definitions": 1,
        "PUT /v1.0/identityGovernance/accessReviews/definitions/{definition_id}": 1,
    }
    settings = definitions(emulator_state)[ident(result)]["settings"]
    assert settings["recommendationLookBackDuration"] == "P14D"  # ISO 8601 survives the PUT
    assert settings["defaultDecision"] == "Recommendation"


async def test_a_deleted_definition_is_created_again(graph, emulator_state) -> None:
    first = await ensure_definition(graph, POLICY, today=today(emulator_state))
    await delete_definition(graph, ident(first))
    again = await ensure_definition(graph, POLICY, today=today(emulator_state))
    assert again.outcome is Outcome.CREATED  # nothing left to find: Graph deleted the series entirely
    assert again.definition_id != first.definition_id
    assert list(definitions(emulator_state)) == [again.definition_id]


async def test_an_ended_series_is_replaced_by_a_new_one(graph, emulator_state) -> None:
    guests_everywhere(emulator_state)
    first = await ensure_definition(graph, POLICY, today=today(emulator_state))
    emulator_state.clock.set(AFTER_FIRST_ROUND)
    ended = await get_definition(graph, ident(first))
    ended["settings"]["recurrence"]["range"].update({"type": "endDate", "endDate": "2026-04-10"})
    await put_definition(graph, ident(first), ended)

    replaced = await ensure_definition(graph, POLICY, today=today(emulator_state))
    assert replaced.outcome is Outcome.RECREATED
    assert replaced.definition_id not in (None, first.definition_id)
    assert [s.id for s in replaced.previous] == [first.definition_id]  # its last round is still swept
    body = definitions(emulator_state)[ident(replaced)]
    assert body["settings"]["recurrence"]["range"]["startDate"] == "2026-07-01"  # no second round now
    again = await ensure_definition(graph, POLICY, today=today(emulator_state))
    assert (again.outcome, again.definition_id) == (Outcome.UNCHANGED, replaced.definition_id)


async def test_a_completed_series_counts_as_ended(graph, emulator_state) -> None:
    first = await ensure_definition(graph, POLICY, today=today(emulator_state))
    emulator_state.clock.set(AFTER_FIRST_ROUND)
    body = await get_definition(graph, ident(first))
    body["settings"]["recurrence"]["range"].update({"type": "numbered", "numberOfOccurrences": 1})
    await put_definition(graph, ident(first), body)
    assert (await get_definition(graph, ident(first)))["status"] == "Completed"
    replaced = await ensure_definition(graph, POLICY, today=today(emulator_state))
    assert replaced.outcome is Outcome.RECREATED


async def test_a_scope_change_ends_the_running_series_and_starts_a_new_one(graph, emulator_state) -> None:
    guests_everywhere(emulator_state)
    first = await ensure_definition(graph, POLICY, today=today(emulator_state))
    emulator_state.clock.set(dt.datetime(2026, 4, 2, tzinfo=dt.UTC))  # the first round is running
    narrower = replace(POLICY, excluded_group_ids=(SALES,))
    result = await ensure_definition(graph, narrower, today=today(emulator_state))
    assert result.outcome is Outcome.RECREATED
    assert "instanceEnumerationScope" in result.drifted
    old = definitions(emulator_state)[ident(first)]
    assert old["settings"]["recurrence"]["range"]["type"] == "endDate"
    assert old["settings"]["recurrence"]["range"]["endDate"] == "2026-04-02"  # ended, not deleted
    assert [s.id for s in result.previous] == [first.definition_id]
    new = definitions(emulator_state)[ident(result)]
    assert "id+ne+'7b8c9d0e" in new["instanceEnumerationScope"]["query"]
    assert new["settings"]["recurrence"]["range"]["startDate"] == "2026-07-01"
    assert (
        await ensure_definition(graph, narrower, today=today(emulator_state))
    ).outcome is Outcome.UNCHANGED


async def test_a_scope_change_before_the_first_round_deletes_the_planned_series(
    graph, emulator_state
) -> None:
    first = await ensure_definition(graph, POLICY, today=today(emulator_state))
    result = await ensure_definition(
        graph, replace(POLICY, excluded_group_ids=(SALES,)), today=today(emulator_state)
    )
    assert result.outcome is Outcome.RECREATED
    assert result.previous == ()
    assert list(definitions(emulator_state)) == [result.definition_id]
    assert first.definition_id not in definitions(emulator_state)


async def test_a_start_date_change_reschedules_a_series_that_has_not_started(graph, emulator_state) -> None:
    first = await ensure_definition(graph, POLICY, today=today(emulator_state))
    moved = replace(POLICY, start_date=dt.date(2026, 2, 1))
    result = await ensure_definition(graph, moved, today=today(emulator_state))
    assert (result.outcome, result.drifted) == (Outcome.UPDATED, ("settings.recurrence.range.startDate",))
    assert (
        definitions(emulator_state)[ident(first)]["settings"]["recurrence"]["range"]["startDate"]
        == "2026-02-01"
    )


async def test_a_started_series_on_the_configured_cadence_is_left_alone(graph, emulator_state) -> None:
    anchored = replace(
        POLICY, start_date=dt.date(2025, 10, 1)
    )  # in the past: next cadence date is 2026-04-01
    first = await ensure_definition(graph, anchored, today=today(emulator_state))
    assert (
        definitions(emulator_state)[ident(first)]["settings"]["recurrence"]["range"]["startDate"]
        == "2026-04-01"
    )
    emulator_state.clock.set(dt.datetime(2026, 8, 1, tzinfo=dt.UTC))
    assert (
        await ensure_definition(graph, anchored, today=today(emulator_state))
    ).outcome is Outcome.UNCHANGED
    shifted = replace(anchored, start_date=dt.date(2025, 11, 1))  # another cadence: a new series
    result = await ensure_definition(graph, shifted, today=today(emulator_state))
    assert result.outcome is Outcome.RECREATED
    assert (
        definitions(emulator_state)[ident(result)]["settings"]["recurrence"]["range"]["startDate"]
        == "2026-08-01"
    )


async def test_the_newest_live_series_wins_and_foreign_definitions_are_ignored(graph, emulator_state) -> None:
    foreign = await ensure_definition(
        graph, replace(POLICY, display_name="Another team's review"), today=today(emulator_state)
    )
    first = await ensure_definition(graph, POLICY, today=today(emulator_state))
    emulator_state.clock.advance(dt.timedelta(minutes=5))
    body = to_json(desired_definition(POLICY, today(emulator_state), None))  # a copy made by hand
    copy = await send_json(
        graph,
        graph.identity_governance.access_reviews.definitions.to_post_request_information(
            desired_definition(POLICY, today(emulator_state), None)
        ),
    )
    assert copy["displayName"] == body["displayName"]
    result = await ensure_definition(graph, POLICY, today=today(emulator_state))
    assert (result.outcome, result.definition_id) == (Outcome.UNCHANGED, copy["id"])
    assert [s.id for s in result.previous] == [first.definition_id]  # still swept, never drained while live
    assert foreign.definition_id not in {s.id for s in result.previous}


@pytest.mark.parametrize("change", ["create", "update", "recreate"])
async def test_dry_run_reports_and_writes_nothing(graph, emulator_state, change: str) -> None:
    policy = POLICY
    if change != "create":
        await ensure_definition(graph, POLICY, today=today(emulator_state))
        policy = (
            replace(POLICY, instance_duration_days=7)
            if change == "update"
            else replace(POLICY, excluded_group_ids=(RETAIL,))
        )
    before = definitions(emulator_state)
    emulator_state.requests.clear()
    result = await ensure_definition(graph, policy, today=today(emulator_state), dry_run=True)
    assert (
        result.outcome
        is {"create": Outcome.CREATED, "update": Outcome.UPDATED, "recreate": Outcome.RECREATED}[change]
    )
    assert result.dry_run
    assert emulator_state.requests.writes == 0
    assert emulator_state.requests.round_trips == 1
    assert definitions(emulator_state) == before
