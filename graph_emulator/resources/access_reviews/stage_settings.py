"""A definition's ``stageSettings`` (``accessReviewStageSettings``): validation, order, PUT rules.

The rules, from the v1.0 resource and create pages:
- up to three stages ("You can break down each review instance into up to three sequential
  stages"), each with a unique ``stageId``, a ``durationInDays`` and ``recommendationsEnabled``
  (both "Required");
- ``dependsOn``: "Only sequential stages are currently supported": the first stage depends on
  nothing ("If stageId is 1, don't specify dependsOn"), every other on exactly the one before it;
- the cumulative ``durationInDays`` "Will override the instanceDurationInDays setting" and "Can't
  exceed the length of one recurrence" (7 days for a weekly review; for a monthly one the emulator
  takes the shortest run of ``interval`` months);
- ``decisionsThatWillMoveToNextStage``: "a subset of Approve, Deny, Recommendation, or
  NotReviewed. If not provided, all decisions will go to the next stage" (empty means the same);
- a stage's reviewers, fallback reviewers and recommendation settings override the definition's;
- on update, "Only reviewers and fallback reviewers are updatable".
"""

from __future__ import annotations

import calendar
from typing import Any

from .fields import duration, obj, reviewers
from .models import Json
from .scopes import invalid

MAX_STAGES = 3
_MOVING = {v.lower(): v for v in ("Approve", "Deny", "Recommendation", "NotReviewed")}
_UPDATABLE = ("reviewers", "fallbackReviewers")


def normalise_stage_settings(value: Any, recurrence: Json | None) -> list[Json]:
    """The stored (and echoed) stage settings, in the order sent; 400 when invalid."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("The stageSettings property must be a collection.")
    if not value:
        return []
    if len(value) > MAX_STAGES:
        raise invalid(f"An access review can have at most {MAX_STAGES} stages; {len(value)} were given.")
    stages = [_stage(raw) for raw in value]
    in_order(stages)
    total, limit = sum(s["durationInDays"] for s in stages), _recurrence_days(recurrence)
    if limit is not None and total > limit:
        raise invalid(
            f"The stages' durationInDays add up to {total} days, more than one recurrence ({limit} days)."
        )
    return stages


def _stage(raw: Any) -> Json:
    item = obj(raw, "stageSettings")
    stage_id = item.get("stageId")
    if not isinstance(stage_id, str) or not stage_id.strip():
        raise invalid("Each of stageSettings needs a stageId (a string).")
    depends = item.get("dependsOn") or []
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        raise invalid(f"The dependsOn of stage '{stage_id}' must be a collection of stageIds.")
    days = item.get("durationInDays")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise invalid(f"The durationInDays of stage '{stage_id}' is required and must be a positive integer.")
    enabled = item.get("recommendationsEnabled")
    if not isinstance(enabled, bool):
        raise invalid(f"The recommendationsEnabled of stage '{stage_id}' is required and must be a boolean.")
    look_back = item.get("recommendationLookBackDuration")
    if look_back is not None:
        duration(look_back, f"recommendationLookBackDuration of stage '{stage_id}'")
    return {
        "stageId": stage_id,
        "dependsOn": list(depends),
        "durationInDays": days,
        "recommendationsEnabled": enabled,
        "recommendationLookBackDuration": look_back,
        "recommendationInsightSettings": list(item.get("recommendationInsightSettings") or []),
        "decisionsThatWillMoveToNextStage": _moving(item.get("decisionsThatWillMoveToNextStage"), stage_id),
        "reviewers": reviewers(item.get("reviewers"), f"reviewers of stage '{stage_id}'"),
        "fallbackReviewers": reviewers(
            item.get("fallbackReviewers"), f"fallbackReviewers of stage '{stage_id}'"
        ),
    }


def _moving(value: Any, stage_id: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(str(v).lower() in _MOVING for v in value):
        raise invalid(
            f"Invalid decisionsThatWillMoveToNextStage of stage '{stage_id}': "
            "expected a subset of Approve, Deny, Recommendation and NotReviewed."
        )
    return list(dict.fromkeys(_MOVING[str(v).lower()] for v in value))


def in_order(stages: list[Json]) -> list[Json]:
    """The stages in the order they run; 400 unless they form one sequential chain."""
    if not stages:
        return []
    by_id: dict[str, Json] = {}
    for stage in stages:
        if stage["stageId"] in by_id:
            raise invalid(f"The stageId '{stage['stageId']}' is used by more than one stage.")
        by_id[stage["stageId"]] = stage
    first = [s for s in stages if not s["dependsOn"]]
    if len(first) != 1 or ("1" in by_id and by_id["1"]["dependsOn"]):
        raise invalid("Exactly one stage, the first (stageId '1' if any), must not specify dependsOn.")
    following: dict[str, Json] = {}
    for stage in stages:
        if not stage["dependsOn"]:
            continue
        if len(stage["dependsOn"]) != 1 or stage["dependsOn"][0] not in by_id:
            raise invalid(f"Stage '{stage['stageId']}' must depend on exactly one other stage of the review.")
        if stage["dependsOn"][0] in following:
            raise invalid("Only sequential stages are supported: two stages depend on the same stage.")
        following[stage["dependsOn"][0]] = stage
    ordered = first[:1]
    while (after := following.get(ordered[-1]["stageId"])) is not None:
        ordered.append(after)
    if len(ordered) != len(stages):
        raise invalid("The stages' dependsOn must form one sequence from the first stage to the last.")
    return ordered


def _recurrence_days(recurrence: Json | None) -> int | None:
    """The shortest time between two occurrences, in days; None for a one-time review."""
    pattern = (recurrence or {}).get("pattern")
    if not pattern:
        return None
    interval = int(pattern.get("interval") or 1)
    if pattern["type"] == "weekly":
        return 7 * interval
    months = [calendar.monthrange(2025, month)[1] for month in range(1, 13)]  # a common year
    return min(sum(months[(first + k) % 12] for k in range(interval)) for first in range(12))


def check_stage_replacement(stored: list[Json], new: list[Json]) -> None:
    """PUT: the stages stay as they are; only their reviewers and fallback reviewers change."""

    def fixed(stages: list[Json]) -> list[Json]:
        return [{k: v for k, v in s.items() if k not in _UPDATABLE} for s in stages]

    if fixed(stored) != fixed(new):
        raise invalid("Only the reviewers and fallbackReviewers of the stageSettings can be updated.")
