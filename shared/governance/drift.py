"""How a review definition drifted from the desired one, and whether a PUT can repair it.

Pure. Compares JSON (what Graph returns) on exactly the properties Guestkeeper manages, after
normalising what Graph fills in or reshapes (date-only ``startDate``, recurrence defaults,
``queryRoot``, echoed ``backupReviewers``, ``+`` vs space in queries, empty lists for the stage
properties not sent). Graph's update page lets a PUT change settings, names and fallback
reviewers, reviewers only when they are individual users, and in stages only the reviewers;
everything else (scopes, the owners or sponsors who review, the stages themselves) takes a new
series.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_SCOPE_TYPE = "microsoft.graph.accessReviewQueryScope"
SETTING_KEYS = (
    "mailNotificationsEnabled",
    "reminderNotificationsEnabled",
    "justificationRequiredOnApproval",
    "defaultDecisionEnabled",
    "defaultDecision",
    "instanceDurationInDays",
    "autoApplyDecisionsEnabled",
    "recommendationsEnabled",
    "recommendationLookBackDuration",
)
# Graph does not PUT these onto a series (docs/governance.md, "Drift").
NEW_SERIES_KEYS = frozenset({"scope", "instanceEnumerationScope", "reviewers", "stageSettings"})


def drift(desired: Mapping[str, Any], actual: Mapping[str, Any], *, compare_start: bool) -> list[str]:
    """The managed properties on which ``actual`` differs from ``desired``, sorted."""
    want = _managed_view(desired, compare_start=compare_start)
    have = _managed_view(actual, compare_start=compare_start)
    return sorted(key for key in want if want[key] != have.get(key))


def needs_new_series(drifted: list[str]) -> bool:
    """Whether any drifted property is one Graph will not change on a running series."""
    return any(key in NEW_SERIES_KEYS for key in drifted)


def _managed_view(definition: Mapping[str, Any], *, compare_start: bool) -> dict[str, Any]:
    """The managed properties of a definition's JSON, normalised for comparison."""
    settings = definition.get("settings") or {}
    recurrence = settings.get("recurrence") or {}
    pattern = recurrence.get("pattern") or {}
    rng = recurrence.get("range") or {}
    stages = definition.get("stageSettings") or []
    view: dict[str, Any] = {
        "displayName": definition.get("displayName"),
        "descriptionForAdmins": definition.get("descriptionForAdmins") or "",
        "descriptionForReviewers": definition.get("descriptionForReviewers") or "",
        "scope": _scope(definition.get("scope")),
        "instanceEnumerationScope": _query(definition.get("instanceEnumerationScope")),
        "reviewers": _queries(definition.get("reviewers")),
        "fallbackReviewers": _queries(definition.get("fallbackReviewers")),
        "stageSettings": [_stage_structure(s) for s in stages],
        "stageSettings.reviewers": [
            (s.get("stageId"), _queries(s.get("reviewers")), _queries(s.get("fallbackReviewers")))
            for s in stages
        ],
        "settings.recurrence.pattern": (pattern.get("type"), pattern.get("interval")),
        "settings.recurrence.range.type": rng.get("type"),
        "settings.applyActions": sorted(
            (a.get("@odata.type") or "").removeprefix("#") for a in settings.get("applyActions") or []
        )
        or ["microsoft.graph.removeAccessApplyAction"],
    }
    if compare_start:
        view["settings.recurrence.range.startDate"] = str(rng.get("startDate") or "")[:10]
    for key in SETTING_KEYS:
        view[f"settings.{key}"] = settings.get(key)
    return view


def _query(scope: Any) -> str:
    if not isinstance(scope, Mapping):
        return ""
    return str(scope.get("query") or "").replace(" ", "+")


def _queries(scopes: Any) -> list[str]:
    return sorted(_query(s) for s in scopes or [])


def _scope(scope: Any) -> tuple[str, str, str | None]:
    """Type, query and inactivity window: an inactive-guests scope is another scope, not a setting."""
    if not isinstance(scope, Mapping):
        return ("", "", None)
    kind = str(scope.get("@odata.type") or DEFAULT_SCOPE_TYPE).removeprefix("#")
    inactive = scope.get("inactiveDuration")
    return (kind, _query(scope), str(inactive).upper() if inactive else None)


def _stage_structure(stage: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a PUT cannot change in a stage; unsent lists come back empty."""
    return (
        stage.get("stageId"),
        tuple(stage.get("dependsOn") or ()),
        stage.get("durationInDays"),
        stage.get("recommendationsEnabled"),
        tuple(sorted(stage.get("decisionsThatWillMoveToNextStage") or ())),
    )
