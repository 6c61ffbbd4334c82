"""The desired quarterly guest-review definition, built from policy, and how to tell it drifted.

Pure: no I/O. The definition is built as the SDK's typed model (what we send) and compared as
JSON (what Graph returns), on exactly the properties Guestkeeper manages, after normalising what
Graph fills in or reshapes (date-only ``startDate``, recurrence defaults, ``queryRoot``, echoed
``backupReviewers``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter
from msgraph.generated.models.access_review_apply_action import AccessReviewApplyAction
from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.generated.models.access_review_schedule_settings import AccessReviewScheduleSettings
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType

GUEST_SCOPE_QUERY = "./members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')"
GUEST_REVIEW_SCOPE_MARKER = "./members"  # the documented filter value for all-M365-groups guest reviews
APPLY_ACTIONS = ("removeAccessApplyAction", "disableAndDeleteUserApplyAction")
DEFAULT_DECISIONS = ("None", "Approve", "Deny", "Recommendation")
RECURRENCE_TYPES = ("absoluteMonthly", "weekly")


@dataclass(frozen=True)
class Reviewer:
    """A fallback reviewer: a user or a group, by object id."""

    kind: str  # "user" | "group"
    object_id: str

    @property
    def query(self) -> str:
        if self.kind == "group":
            return f"/groups/{self.object_id}/transitiveMembers/microsoft.graph.user"
        return f"/users/{self.object_id}"


@dataclass(frozen=True)
class ReviewPolicy:
    """What the guest review should look like; every field comes from a ``REVIEW_*`` setting."""

    display_name: str = "Guestkeeper: quarterly guest access review (all Microsoft 365 groups)"
    description_for_admins: str = "Quarterly review of guest access to every Microsoft 365 group."
    description_for_reviewers: str = (
        "Please confirm that each external guest still needs access to this group."
    )
    recurrence_type: str = "absoluteMonthly"
    recurrence_interval: int = 3
    start_date: dt.date | None = None  # None: first day of the next quarter, and not compared for drift
    instance_duration_days: int = 14
    fallback_reviewers: tuple[Reviewer, ...] = ()
    default_decision_enabled: bool = False
    default_decision: str = "None"
    auto_apply: bool = True
    apply_action: str = "removeAccessApplyAction"
    recommendations_enabled: bool = True
    recommendation_look_back_days: int = 30
    justification_required: bool = True
    mail_notifications: bool = True
    reminder_notifications: bool = True
    excluded_group_ids: tuple[str, ...] = field(default=())
    allow_auto_apply_with_deny: bool = False

    def problems(self) -> dict[str, str]:
        """Invalid combinations, keyed by the setting to fix (empty when the policy is sound)."""
        found: dict[str, str] = {}
        if self.recurrence_type not in RECURRENCE_TYPES:
            found["REVIEW_RECURRENCE_TYPE"] = f"must be one of {', '.join(RECURRENCE_TYPES)}"
        if not 1 <= self.recurrence_interval <= 12:
            found["REVIEW_RECURRENCE_INTERVAL"] = "must be between 1 and 12"
        if not 0 <= self.instance_duration_days <= 180:
            found["REVIEW_INSTANCE_DURATION_DAYS"] = "must be between 0 and 180"
        if self.default_decision not in DEFAULT_DECISIONS:
            found["REVIEW_DEFAULT_DECISION"] = f"must be one of {', '.join(DEFAULT_DECISIONS)}"
        if self.apply_action not in APPLY_ACTIONS:
            found["REVIEW_APPLY_ACTION"] = f"must be one of {', '.join(APPLY_ACTIONS)}"
        if not 1 <= self.recommendation_look_back_days <= 365:
            found["REVIEW_RECOMMENDATION_LOOKBACK_DAYS"] = "must be between 1 and 365"
        if (
            self.auto_apply
            and self.default_decision_enabled
            and self.default_decision == "Deny"
            and not self.allow_auto_apply_with_deny
        ):
            found["REVIEW_ALLOW_AUTO_APPLY_WITH_DENY"] = (
                "auto-apply with a default decision of Deny revokes every guest's access when reviewers "
                "are silent; set REVIEW_ALLOW_AUTO_APPLY_WITH_DENY=true to accept that explicitly"
            )
        return found


def next_quarter_start(today: dt.date) -> dt.date:
    month = ((today.month - 1) // 3 + 1) * 3 + 1
    return dt.date(today.year + (month > 12), (month - 1) % 12 + 1, 1)


def enumeration_query(excluded: tuple[str, ...]) -> str:
    """All Unified groups, minus the excluded ones (the documented ``id ne`` form)."""
    clauses = ["groupTypes/any(c:c+eq+'Unified')", *(f"id+ne+'{gid}'" for gid in sorted(excluded))]
    return f"/groups?$filter=({'+and+'.join(clauses)})&$count=true"


def build_definition(policy: ReviewPolicy, *, today: dt.date) -> AccessReviewScheduleDefinition:
    """The full definition object (POST and PUT both send every writable property)."""
    start = policy.start_date or next_quarter_start(today)
    actions = [AccessReviewApplyAction(odata_type=f"#microsoft.graph.{policy.apply_action}")]
    settings = AccessReviewScheduleSettings(
        mail_notifications_enabled=policy.mail_notifications,
        reminder_notifications_enabled=policy.reminder_notifications,
        justification_required_on_approval=policy.justification_required,
        default_decision_enabled=policy.default_decision_enabled,
        default_decision=policy.default_decision,
        instance_duration_in_days=policy.instance_duration_days,
        auto_apply_decisions_enabled=policy.auto_apply,
        recommendations_enabled=policy.recommendations_enabled,
        apply_actions=actions,
        recurrence=PatternedRecurrence(
            pattern=RecurrencePattern(
                type=RecurrencePatternType(policy.recurrence_type),
                interval=policy.recurrence_interval,
                day_of_month=0,
            ),
            range=RecurrenceRange(type=RecurrenceRangeType.NoEnd, start_date=start),
        ),
    )
    # kiota writes a timedelta as str() ("30 days, 0:00:00"), not ISO 8601: send the duration ourselves.
    settings.additional_data["recommendationLookBackDuration"] = f"P{policy.recommendation_look_back_days}D"
    return AccessReviewScheduleDefinition(
        display_name=policy.display_name,
        description_for_admins=policy.description_for_admins,
        description_for_reviewers=policy.description_for_reviewers,
        scope=AccessReviewQueryScope(query=GUEST_SCOPE_QUERY, query_type="MicrosoftGraph"),
        instance_enumeration_scope=AccessReviewQueryScope(
            query=enumeration_query(policy.excluded_group_ids), query_type="MicrosoftGraph"
        ),
        reviewers=[AccessReviewReviewerScope(query="./owners", query_type="MicrosoftGraph")],
        fallback_reviewers=[
            AccessReviewReviewerScope(query=r.query, query_type="MicrosoftGraph")
            for r in policy.fallback_reviewers
        ],
        settings=settings,
    )


def to_json(definition: AccessReviewScheduleDefinition) -> dict[str, Any]:
    """The JSON the SDK sends for ``definition``."""
    writer = JsonSerializationWriter()
    writer.write_object_value(None, definition)
    data: dict[str, Any] = json.loads(writer.get_serialized_content())
    return data


# ---------------------------------------------------------------- drift


def _managed_view(definition: Mapping[str, Any], *, compare_start: bool) -> dict[str, Any]:
    """The managed properties of a definition's JSON, normalised for comparison."""
    settings = definition.get("settings") or {}
    recurrence = settings.get("recurrence") or {}
    pattern = recurrence.get("pattern") or {}
    rng = recurrence.get("range") or {}
    view: dict[str, Any] = {
        "displayName": definition.get("displayName"),
        "descriptionForAdmins": definition.get("descriptionForAdmins") or "",
        "descriptionForReviewers": definition.get("descriptionForReviewers") or "",
        "scope": _query(definition.get("scope")),
        "instanceEnumerationScope": _query(definition.get("instanceEnumerationScope")),
        "reviewers": sorted(_query(r) for r in definition.get("reviewers") or []),
        "fallbackReviewers": sorted(_query(r) for r in definition.get("fallbackReviewers") or []),
        "settings.recurrence.pattern": (pattern.get("type"), pattern.get("interval")),
        "settings.recurrence.range.type": rng.get("type"),
        "settings.applyActions": sorted(
            (a.get("@odata.type") or "").removeprefix("#") for a in settings.get("applyActions") or []
        )
        or ["microsoft.graph.removeAccessApplyAction"],
    }
    if compare_start:
        view["settings.recurrence.range.startDate"] = str(rng.get("startDate") or "")[:10]
    for key in (
        "mailNotificationsEnabled",
        "reminderNotificationsEnabled",
        "justificationRequiredOnApproval",
        "defaultDecisionEnabled",
        "defaultDecision",
        "instanceDurationInDays",
        "autoApplyDecisionsEnabled",
        "recommendationsEnabled",
        "recommendationLookBackDuration",
    ):
        view[f"settings.{key}"] = settings.get(key)
    return view


def _query(scope: Any) -> str:
    if not isinstance(scope, Mapping):
        return ""
    return str(scope.get("query") or "").replace(" ", "+")


SCOPE_KEYS = frozenset({"scope", "instanceEnumerationScope"})


def drift(desired: Mapping[str, Any], actual: Mapping[str, Any], *, compare_start: bool) -> list[str]:
    """The managed properties on which ``actual`` differs from ``desired``, sorted."""
    want = _managed_view(desired, compare_start=compare_start)
    have = _managed_view(actual, compare_start=compare_start)
    return sorted(key for key in want if want[key] != have.get(key))


def needs_new_series(drifted: list[str]) -> bool:
    """Scope changes cannot be PUT onto a running series (Graph updates settings, not scopes)."""
    return any(key in SCOPE_KEYS for key in drifted)
