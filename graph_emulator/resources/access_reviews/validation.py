"""Validate a definition body (POST or PUT) and normalise it to what Graph echoes back.

Graph fills server defaults on the way in (recurrence ``month: 0``, ``daysOfWeek: []``,
``firstDayOfWeek: "sunday"``, ``index: "first"``, ``numberOfOccurrences: 0``,
``recurrenceTimeZone: null``; ``startDate`` as a date only; empty ``applyActions``), turns the
beta ``backupReviewers`` into ``fallbackReviewers`` (the docs: either one populates the other)
and drops the ``/v1.0`` prefix of the enumeration query (v1.0 tutorial). Stage settings have
their own rules (``stage_settings``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from graph_emulator.clock import parse_datetime

from .fields import duration, obj, query_type, reviewers
from .models import DISABLE_AND_DELETE, INACTIVE_USERS_SCOPE, QUERY_SCOPE, REMOVE_ACCESS, Json
from .scopes import invalid, parse_enumeration, parse_member_scope, strip_version
from .stage_settings import check_stage_replacement, normalise_stage_settings

_BOOLEAN_SETTINGS = {
    "mailNotificationsEnabled": False,
    "reminderNotificationsEnabled": False,
    "justificationRequiredOnApproval": False,
    "defaultDecisionEnabled": False,
    "autoApplyDecisionsEnabled": False,
    "recommendationsEnabled": False,
    "decisionHistoriesForReviewersEnabled": False,
}
DEFAULT_DURATION_DAYS = 1  # the docs give no default for instanceDurationInDays (emulator's choice)
_DEFAULT_DECISIONS = {
    "none": "None",
    "approve": "Approve",
    "deny": "Deny",
    "recommendation": "Recommendation",
}
_PATTERNS = {"weekly": "weekly", "absolutemonthly": "absoluteMonthly"}
_RANGES = {"noend": "noEnd", "enddate": "endDate", "numbered": "numbered"}


def normalise_definition(body: Json) -> Json:
    """The stored (and echoed) form of a definition's writable properties; 400 when invalid."""
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise invalid("The displayName property is required.")
    for key in ("descriptionForAdmins", "descriptionForReviewers"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise invalid(f"The {key} property must be a string.")
    scope = _scope(body.get("scope"))
    enumeration = _enumeration(body.get("instanceEnumerationScope"), scope)
    fallback = body.get("fallbackReviewers")
    if fallback is None:
        fallback = body.get("backupReviewers")
    settings = _settings(body.get("settings"))
    return {
        "displayName": name,
        "descriptionForAdmins": body.get("descriptionForAdmins"),
        "descriptionForReviewers": body.get("descriptionForReviewers"),
        "scope": scope,
        "instanceEnumerationScope": enumeration,
        "reviewers": reviewers(body.get("reviewers"), "reviewers"),
        "fallbackReviewers": reviewers(fallback, "fallbackReviewers"),
        "settings": settings,
        "stageSettings": normalise_stage_settings(body.get("stageSettings"), settings["recurrence"]),
        "additionalNotificationRecipients": list(body.get("additionalNotificationRecipients") or []),
    }


def _scope(value: Any) -> Json:
    raw = obj(value, "scope")
    kind = raw.get("@odata.type") or QUERY_SCOPE
    if kind not in (QUERY_SCOPE, INACTIVE_USERS_SCOPE):
        raise invalid(f"Scope type '{kind}' is not supported by the emulator (query scopes of groups only).")
    query = raw.get("query")
    if not isinstance(query, str):
        raise invalid("The scope query is required.")
    parse_member_scope(query)
    scope: Json = {
        "@odata.type": kind,
        "query": query,
        "queryType": query_type(raw, "scope"),
        "queryRoot": raw.get("queryRoot"),
    }
    if kind == INACTIVE_USERS_SCOPE:
        inactive = raw.get("inactiveDuration")
        duration(inactive, "inactiveDuration")
        scope["inactiveDuration"] = inactive
    return scope


def _enumeration(value: Any, scope: Json) -> Json:
    if value is None:
        return _own_group(scope)
    raw = obj(value, "instanceEnumerationScope")
    query = raw.get("query")
    if not isinstance(query, str):
        raise invalid("The instanceEnumerationScope query is required.")
    parse_enumeration(query)
    return {
        "@odata.type": raw.get("@odata.type") or QUERY_SCOPE,
        "query": strip_version(query),
        "queryType": query_type(raw, "instanceEnumerationScope"),
        "queryRoot": raw.get("queryRoot"),
    }


def _own_group(scope: Json) -> Json:
    """A one-group review enumerates that group, written as its scope names it (the get and list
    examples: ``/groups/{id}`` beside ``/groups/{id}/transitiveMembers``, ``/v1.0/groups/{id}``
    beside ``/v1.0/groups/{id}/...``)."""
    query: str = scope["query"]
    if query.startswith("./"):
        raise invalid("instanceEnumerationScope is required when the scope query is relative ('./members').")
    group_query = query[: len(query) - len(parse_member_scope(query).suffix)]
    return {
        "@odata.type": QUERY_SCOPE,
        "query": group_query,
        "queryType": "MicrosoftGraph",
        "queryRoot": None,
    }


def _settings(value: Any) -> Json:
    raw = {} if value is None else obj(value, "settings")
    settings: Json = {}
    for key, default in _BOOLEAN_SETTINGS.items():
        flag = raw.get(key, default)
        if flag is None:
            flag = default
        if not isinstance(flag, bool):
            raise invalid(f"The setting {key} must be a boolean.")
        settings[key] = flag
    decision = str(raw.get("defaultDecision") or "None")
    if decision.lower() not in _DEFAULT_DECISIONS:
        raise invalid(f"Invalid defaultDecision '{decision}': expected Approve, Deny or Recommendation.")
    settings["defaultDecision"] = _DEFAULT_DECISIONS[decision.lower()]
    days = raw.get("instanceDurationInDays", DEFAULT_DURATION_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise invalid("instanceDurationInDays must be a non-negative integer.")
    settings["instanceDurationInDays"] = days
    look_back = raw.get("recommendationLookBackDuration")
    if look_back is not None:
        duration(look_back, "recommendationLookBackDuration")
    settings["recommendationLookBackDuration"] = look_back
    settings["recurrence"] = _recurrence(raw.get("recurrence"))
    settings["applyActions"] = _apply_actions(raw.get("applyActions"))
    settings["recommendationInsightSettings"] = list(raw.get("recommendationInsightSettings") or [])
    return settings


def _apply_actions(value: Any) -> list[Json]:
    actions: list[Json] = []
    for raw in value or []:
        kind = obj(raw, "applyActions").get("@odata.type")
        if kind not in (REMOVE_ACCESS, DISABLE_AND_DELETE):
            raise invalid(
                f"Invalid apply action '{kind}': "
                "expected removeAccessApplyAction or disableAndDeleteUserApplyAction."
            )
        actions.append({"@odata.type": kind})
    return actions


def _date(value: Any, what: str) -> str:
    try:
        return (
            parse_datetime(str(value)).date().isoformat()
            if "T" in str(value)
            else date.fromisoformat(str(value)).isoformat()
        )
    except ValueError as exc:
        raise invalid(f"Invalid {what} '{value}': expected a date such as '2026-01-05'.") from exc


def _recurrence(value: Any) -> Json | None:
    if value is None:
        return None
    raw = obj(value, "recurrence")
    pattern = _pattern(raw.get("pattern"))
    rng = obj(raw.get("range"), "recurrence range")
    kind = str(rng.get("type") or "")
    if kind.lower() not in _RANGES:
        raise invalid(f"Invalid recurrence range type '{kind}': expected noEnd, endDate or numbered.")
    kind = _RANGES[kind.lower()]
    if rng.get("startDate") is None:
        raise invalid("The recurrence range startDate is required.")
    start = _date(rng["startDate"], "startDate")
    end = None if rng.get("endDate") in (None, "null") else _date(rng["endDate"], "endDate")
    count = rng.get("numberOfOccurrences") or 0
    if not isinstance(count, int) or count < 0:
        raise invalid("numberOfOccurrences must be a non-negative integer.")
    if kind == "endDate" and end is None:
        raise invalid("The recurrence range endDate is required when the range type is endDate.")
    if kind == "numbered" and count == 0 and end is None:
        raise invalid("A numbered recurrence range needs numberOfOccurrences (or an endDate).")
    if end is not None and end < start:
        raise invalid("The recurrence range endDate must not be before its startDate.")
    return {
        "pattern": pattern,
        "range": {
            "type": kind,
            "numberOfOccurrences": count,
            "recurrenceTimeZone": rng.get("recurrenceTimeZone"),
            "startDate": start,
            "endDate": end,
        },
    }


def _pattern(value: Any) -> Json | None:
    if value is None:
        return None
    raw = obj(value, "recurrence pattern")
    kind = str(raw.get("type") or "")
    if kind.lower() not in _PATTERNS:
        raise invalid(
            f"Invalid recurrence pattern type '{kind}': only weekly and absoluteMonthly are supported."
        )
    interval = raw.get("interval", 1)
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise invalid("The recurrence pattern interval must be a positive integer.")
    day = raw.get("dayOfMonth") or 0
    if not isinstance(day, int) or not 0 <= day <= 31:
        raise invalid("The recurrence pattern dayOfMonth must be between 0 and 31.")
    return {
        "type": _PATTERNS[kind.lower()],
        "interval": interval,
        "month": raw.get("month") or 0,
        "dayOfMonth": day,
        "daysOfWeek": list(raw.get("daysOfWeek") or []),
        "firstDayOfWeek": raw.get("firstDayOfWeek") or "sunday",
        "index": raw.get("index") or "first",
    }


def _scope_identity(scope: Json) -> tuple[object, ...]:
    """What makes two scopes the same: type, query (with or without a version prefix), duration."""
    return (
        scope["@odata.type"],
        strip_version(scope["query"]),
        scope["queryType"],
        scope.get("inactiveDuration"),
    )


def check_replacement(stored: Json, new: Json) -> None:
    """PUT rules: the scopes are not in the updatable list, so the full object Graph's example sends
    must repeat them unchanged; reviewers change only when they are individual users; stages keep
    all but their reviewers."""
    check_stage_replacement(stored["stageSettings"], new["stageSettings"])
    for key in ("scope", "instanceEnumerationScope"):
        if _scope_identity(new[key]) != _scope_identity(stored[key]):
            raise invalid(f"The {key} of an access review definition cannot be updated.")
    if new["reviewers"] != stored["reviewers"] and not all(
        r["query"].lstrip("/").startswith(("users/", "v1.0/users/", "beta/users/"))
        for r in stored["reviewers"]
    ):
        raise invalid("Reviewers can only be updated when individual users are assigned as reviewers.")
