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
