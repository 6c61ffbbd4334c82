"""The desired review definition and drift detection (pure)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from shared.governance.definition import (
    GUEST_SCOPE_QUERY,
    Reviewer,
    ReviewPolicy,
    build_definition,
    enumeration_query,
    next_quarter_start,
    to_json,
)
from shared.governance.drift import drift, needs_new_series
from shared.governance.reviewers import one_recurrence_days

TODAY = dt.date(2026, 1, 5)


def desired(**changes: object) -> dict[str, Any]:
    return to_json(build_definition(ReviewPolicy(**changes), today=TODAY))  # type: ignore[arg-type]


def test_definition_matches_the_tutorials_all_groups_guest_review() -> None:
    body = desired(fallback_reviewers=(Reviewer("user", "u-1"), Reviewer("group", "g-9")))
    assert body["scope"]["query"] == GUEST_SCOPE_QUERY
    assert body["scope"]["@odata.type"] == "#microsoft.graph.accessReviewQueryScope"
    assert (
        body["instanceEnumerationScope"]["query"]
        == "/groups?$filter=(groupTypes/any(c:c+eq+'Unified'))&$count=true"
    )
    assert body["reviewers"] == [{"query": "./owners", "queryType": "MicrosoftGraph"}]
    assert [r["query"] for r in body["fallbackReviewers"]] == [
        "/users/u-1",
        "/groups/g-9/transitiveMembers/microsoft.graph.user",
    ]
    settings = body["settings"]
    assert settings["recurrence"]["pattern"] == {"dayOfMonth": 0, "interval": 3, "type": "absoluteMonthly"}
    assert settings["recurrence"]["range"] == {"startDate": "2026-04-01", "type": "noEnd"}
    assert settings["recommendationLookBackDuration"] == "P30D"  # ISO 8601, not Python's str(timedelta)
    assert settings["applyActions"] == [{"@odata.type": "#microsoft.graph.removeAccessApplyAction"}]
    assert settings["autoApplyDecisionsEnabled"] is True


def test_excluded_groups_use_the_documented_id_ne_form() -> None:
    assert enumeration_query(("b", "a")) == (
        "/groups?$filter=(groupTypes/any(c:c+eq+'Unified')+and+id+ne+'a'+and+id+ne+'b')&$count=true"
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 1, 5), dt.date(2026, 4, 1)),
        (dt.date(2026, 3, 31), dt.date(2026, 4, 1)),
        (dt.date(2026, 4, 1), dt.date(2026, 7, 1)),
        (dt.date(2026, 11, 29), dt.date(2027, 1, 1)),
    ],
)
def test_next_quarter_start(today: dt.date, expected: dt.date) -> None:
    assert next_quarter_start(today) == expected


def test_no_drift_against_graphs_normalised_echo() -> None:
    want = desired()
    echoed = copy.deepcopy(want)
    # what Graph fills in or reshapes on the way back
    echoed["id"] = "d-1"
    echoed["backupReviewers"] = []
    echoed["reviewers"][0]["queryRoot"] = None
    echoed["scope"]["query"] = echoed["scope"]["query"]
    echoed["settings"]["recurrence"]["pattern"].update({"month": 0, "daysOfWeek": [], "index": "first"})
    echoed["settings"]["recurrence"]["range"].update({"numberOfOccurrences": 0, "recurrenceTimeZone": None})
    assert drift(want, echoed, compare_start=True) == []


def test_setting_changes_are_drift_that_a_put_repairs() -> None:
    want = desired()
    edited = copy.deepcopy(want)
    edited["settings"]["autoApplyDecisionsEnabled"] = False
    edited["descriptionForReviewers"] = "changed in the portal"
    changed = drift(want, edited, compare_start=True)
    assert changed == ["descriptionForReviewers", "settings.autoApplyDecisionsEnabled"]
    assert not needs_new_series(changed)


def test_scope_changes_need_a_new_series() -> None:
    want = desired(excluded_group_ids=("g-1",))
    have = desired()
    changed = drift(want, have, compare_start=True)
    assert changed == ["instanceEnumerationScope"]
    assert needs_new_series(changed)


def test_start_date_is_compared_only_when_configured() -> None:
    want = desired()
    moved = copy.deepcopy(want)
    moved["settings"]["recurrence"]["range"]["startDate"] = "2025-10-01"
    assert drift(want, moved, compare_start=False) == []
    assert drift(want, moved, compare_start=True) == ["settings.recurrence.range.startDate"]


def test_sound_policy_has_no_problems() -> None:
    assert ReviewPolicy().problems() == {}


def test_auto_apply_with_default_deny_is_refused_unless_allowed() -> None:
    risky = ReviewPolicy(auto_apply=True, default_decision_enabled=True, default_decision="Deny")
    assert list(risky.problems()) == ["REVIEW_ALLOW_AUTO_APPLY_WITH_DENY"]
    accepted = ReviewPolicy(
        auto_apply=True,
        default_decision_enabled=True,
        default_decision="Deny",
        allow_auto_apply_with_deny=True,
    )
    assert accepted.problems() == {}


def test_invalid_values_name_their_setting() -> None:
    policy = ReviewPolicy(
        recurrence_type="daily", apply_action="nuke", default_decision="Maybe", recurrence_interval=0
    )
    assert set(policy.problems()) == {
        "REVIEW_RECURRENCE_TYPE",
        "REVIEW_APPLY_ACTION",
        "REVIEW_DEFAULT_DECISION",
        "REVIEW_RECURRENCE_INTERVAL",
    }


# -- the review options (each off by default) ---------------------------------------------------


def test_the_defaults_send_todays_shape() -> None:
    """Every option off: no inactive-users scope, no Teams clause, owners, no stageSettings."""
    body = desired()
    assert body["scope"]["@odata.type"] == "#microsoft.graph.accessReviewQueryScope"
    assert "resourceProvisioningOptions" not in body["instanceEnumerationScope"]["query"]
    assert "stageSettings" not in body
    assert body["settings"]["instanceDurationInDays"] == 14


def test_sponsors_fall_back_to_the_owners_then_the_configured_reviewers() -> None:
    body = desired(reviewers="sponsors", fallback_reviewers=(Reviewer("user", "u-1"),))
    assert body["reviewers"] == [
        {
            "query": "./sponsors",
            "queryRoot": "decisions",
            "queryType": "MicrosoftGraph",
            "scopeType": "sponsor",
        }
    ]
    assert [r["query"] for r in body["fallbackReviewers"]] == ["./owners", "/users/u-1"]


def test_two_stages_replace_the_top_level_reviewers_and_set_the_duration() -> None:
    body = desired(
        reviewers="sponsors", stages=2, stage_days=(5, 10), fallback_reviewers=(Reviewer("user", "u-1"),)
    )
    assert "reviewers" not in body
    assert "fallbackReviewers" not in body
    first, second = body["stageSettings"]
    assert [r["query"] for r in first["fallbackReviewers"]] == ["./owners", "/users/u-1"]
    assert [r["query"] for r in second["fallbackReviewers"]] == ["/users/u-1"]
    assert "decisionsThatWillMoveToNextStage" not in second
    assert body["settings"]["instanceDurationInDays"] == 15


def test_no_drift_against_graphs_echo_of_two_stages() -> None:
    """What the emulator (after the stage settings page) fills in: dependsOn [] on the first stage,
    decisionsThatWillMoveToNextStage [] on the last, queryRoot null, reviewers [] at the top."""
    want = desired(reviewers="sponsors", stages=2, inactive_days=90, teams_only=True)
    echoed = copy.deepcopy(want)
    echoed["scope"]["queryRoot"] = None
    echoed["reviewers"], echoed["fallbackReviewers"] = [], []
    first, second = echoed["stageSettings"]
    first.update(dependsOn=[], recommendationInsightSettings=[])
    second.update(decisionsThatWillMoveToNextStage=[], recommendationInsightSettings=[])
    second["reviewers"][0]["queryRoot"] = None
    echoed["instanceEnumerationScope"]["query"] = echoed["instanceEnumerationScope"]["query"].replace(
        "+", " "
    )
    assert drift(want, echoed, compare_start=True) == []


def test_only_stage_reviewers_drift_without_a_new_series() -> None:
    want = desired(reviewers="sponsors", stages=2)
    reviewers, structure = copy.deepcopy(want), copy.deepcopy(want)
    reviewers["stageSettings"][1]["fallbackReviewers"] = [{"query": "/users/u-9"}]
    structure["stageSettings"][0]["decisionsThatWillMoveToNextStage"] = ["Approve"]
    assert drift(want, reviewers, compare_start=True) == ["stageSettings.reviewers"]
    assert not needs_new_series(["stageSettings.reviewers"])
    assert drift(want, structure, compare_start=True) == ["stageSettings"]
    assert needs_new_series(["stageSettings"])


def test_an_inactivity_window_is_part_of_the_scope() -> None:
    want = desired(inactive_days=90)
    assert drift(want, desired(inactive_days=60), compare_start=True) == ["scope"]
    assert drift(want, desired(), compare_start=True) == ["scope"]
    assert needs_new_series(["scope"])
    assert needs_new_series(["reviewers"])  # ./owners <-> ./sponsors: Graph PUTs individual users only


def test_teams_only_adds_the_documented_clause_before_the_exclusions() -> None:
    assert enumeration_query(("a",), teams_only=True) == (
        "/groups?$filter=(groupTypes/any(c:c+eq+'Unified')+and+resourceProvisioningOptions/Any(x:x+eq+'Team')"
        "+and+id+ne+'a')&$count=true"
    )


@pytest.mark.parametrize(
    ("policy", "named"),
    [
        (ReviewPolicy(stages=2), {"REVIEW_STAGES", "REVIEW_REVIEWERS"}),  # two stages without sponsors
        (ReviewPolicy(stages=3), {"REVIEW_STAGES"}),
        (ReviewPolicy(reviewers="managers"), {"REVIEW_REVIEWERS"}),
        (ReviewPolicy(inactive_days=0), {"REVIEW_INACTIVE_DAYS"}),
        (ReviewPolicy(inactive_days=-5), {"REVIEW_INACTIVE_DAYS"}),
        (
            ReviewPolicy(reviewers="sponsors", stages=2, stage_days=(0, 7)),
            {"REVIEW_SPONSOR_STAGE_DAYS"},
        ),
        (  # 60 + 30 days: more than the shortest quarter (February to April, 89 days)
            ReviewPolicy(reviewers="sponsors", stages=2, stage_days=(60, 30)),
            {"REVIEW_SPONSOR_STAGE_DAYS", "REVIEW_OWNER_STAGE_DAYS"},
        ),
        (  # 7 + 7 days in a weekly review
            ReviewPolicy(reviewers="sponsors", stages=2, recurrence_type="weekly", recurrence_interval=1),
            {"REVIEW_SPONSOR_STAGE_DAYS", "REVIEW_OWNER_STAGE_DAYS"},
        ),
    ],
    ids=[
        "no-sponsors",
        "three",
        "reviewer-kind",
        "zero-days",
        "negative-days",
        "empty-stage",
        "quarter",
        "weeks",
    ],
)
def test_impossible_combinations_name_their_settings(policy: ReviewPolicy, named: set[str]) -> None:
    assert set(policy.problems()) == named


def test_the_stages_may_fill_one_recurrence() -> None:
    assert ReviewPolicy(reviewers="sponsors", stages=2, stage_days=(60, 29)).problems() == {}
    weekly = ReviewPolicy(reviewers="sponsors", stages=2, recurrence_type="weekly", recurrence_interval=2)
    assert weekly.problems() == {}  # 7 + 7 days in a fortnight
    assert ReviewPolicy(reviewers="sponsors", inactive_days=1).problems() == {}


@pytest.mark.parametrize(
    ("recurrence", "interval", "days"),
    [("absoluteMonthly", 1, 28), ("absoluteMonthly", 3, 89), ("absoluteMonthly", 12, 365), ("weekly", 2, 14)],
)
def test_one_recurrence_is_its_shortest_run(recurrence: str, interval: int, days: int) -> None:
    """The stage settings page: the stages' total "Can't exceed the length of one recurrence"."""
    assert one_recurrence_days(recurrence, interval) == days
