"""The desired quarterly guest-review definition, built from policy.

Pure: no I/O. The definition is built as the SDK's typed model (what we send); ``drift`` compares
it, as JSON, with what Graph returns. The policy's options map onto Graph's documented shapes:
every guest or only inactive ones (``accessReviewInactiveUsersQueryScope``), every Microsoft 365
group or only those with a team (``resourceProvisioningOptions/Any(x:x eq 'Team')``), and who
reviews (``reviewers``). docs/governance.md has the table.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter
from msgraph.generated.models.access_review_apply_action import AccessReviewApplyAction
from msgraph.generated.models.access_review_inactive_users_query_scope import (
    AccessReviewInactiveUsersQueryScope,
)
from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.generated.models.access_review_schedule_settings import AccessReviewScheduleSettings
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType

from shared.governance.reviewers import REVIEWER_KINDS, STAGE_COUNTS, assign, one_recurrence_days

GUEST_SCOPE_QUERY = "./members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')"
GUEST_REVIEW_SCOPE_MARKER = "./members"  # the scope query of every all-M365-groups guest review
TEAMS_ONLY_CLAUSE = "resourceProvisioningOptions/Any(x:x+eq+'Team')"
APPLY_ACTIONS = ("removeAccessApplyAction", "disableAndDeleteUserApplyAction")
DEFAULT_DECISIONS = ("None", "Approve", "Deny", "Recommendation")
RECURRENCE_TYPES = ("absoluteMonthly", "weekly")
STAGE_DAY_SETTINGS = ("REVIEW_SPONSOR_STAGE_DAYS", "REVIEW_OWNER_STAGE_DAYS")


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
    inactive_days: int | None = None  # None: every guest; else only guests inactive this long
    teams_only: bool = False  # only the groups that have a team
    reviewers: str = "owners"  # or "sponsors" (owners, then fallback reviewers, for guests without one)
    stages: int = 1  # 2: sponsors first, then owners
    stage_days: tuple[int, int] = (7, 7)  # with two stages: the sponsors', then the owners' days

    @property
    def duration_days(self) -> int:
        """How long a round lasts: with stages, their total (which overrides instanceDurationInDays)."""
        return sum(self.stage_days) if self.stages == 2 else self.instance_duration_days

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
        if self.inactive_days is not None and self.inactive_days < 1:
            found["REVIEW_INACTIVE_DAYS"] = "must be at least 1 day (leave it empty to review every guest)"
        if self.reviewers not in REVIEWER_KINDS:
            found["REVIEW_REVIEWERS"] = f"must be one of {', '.join(REVIEWER_KINDS)}"
        if self.stages not in STAGE_COUNTS:
            found["REVIEW_STAGES"] = "must be 1 or 2"
        elif self.stages == 2:
            found |= self._stage_problems()
        return found

    def _stage_problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.reviewers != "sponsors":
            two = "(two stages: the sponsors, then the owners)"
            found["REVIEW_STAGES"] = f"must be 1 unless REVIEW_REVIEWERS=sponsors {two}"
            found["REVIEW_REVIEWERS"] = f"must be sponsors when REVIEW_STAGES=2 {two}"
        for name, days in zip(STAGE_DAY_SETTINGS, self.stage_days, strict=True):
            if days < 1:
                found[name] = "must be at least 1 day"
        if found or self.recurrence_type not in RECURRENCE_TYPES or not 1 <= self.recurrence_interval <= 12:
            return found  # the limit needs sound stages and a sound recurrence
        limit = one_recurrence_days(self.recurrence_type, self.recurrence_interval)
        total = sum(self.stage_days)
        if total > limit:
            sponsor, owner = STAGE_DAY_SETTINGS
            why = (
                f"days, more than one recurrence ({limit} days with REVIEW_RECURRENCE_TYPE and "
                "REVIEW_RECURRENCE_INTERVAL)"
            )
            found[sponsor] = f"with {owner} adds up to {total} {why}"
            found[owner] = f"with {sponsor} adds up to {total} {why}"
        return found


def next_quarter_start(today: dt.date) -> dt.date:
    month = ((today.month - 1) // 3 + 1) * 3 + 1
    return dt.date(today.year + (month > 12), (month - 1) % 12 + 1, 1)


def enumeration_query(excluded: tuple[str, ...], *, teams_only: bool = False) -> str:
    """All Unified groups (or those with a team), minus the excluded ones (the documented ``id ne`` form)."""
    clauses = [
        "groupTypes/any(c:c+eq+'Unified')",
        *([TEAMS_ONLY_CLAUSE] if teams_only else []),
        *(f"id+ne+'{gid}'" for gid in sorted(excluded)),
    ]
    return f"/groups?$filter=({'+and+'.join(clauses)})&$count=true"


def guest_scope(inactive_days: int | None) -> AccessReviewQueryScope:
    """Every guest of a group, or only those inactive for ``inactive_days`` (create page, example 2)."""
    if inactive_days is None:
        return AccessReviewQueryScope(query=GUEST_SCOPE_QUERY, query_type="MicrosoftGraph")
    scope = AccessReviewInactiveUsersQueryScope(query=GUEST_SCOPE_QUERY, query_type="MicrosoftGraph")
    scope.additional_data["inactiveDuration"] = f"P{inactive_days}D"  # ISO 8601 (see the look-back below)
    return scope


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
        instance_duration_in_days=policy.duration_days,
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
    who = assign(
        policy.reviewers,
        policy.stages,
        [r.query for r in policy.fallback_reviewers],
        stage_days=policy.stage_days,
        recommendations=policy.recommendations_enabled,
    )
    return AccessReviewScheduleDefinition(
        display_name=policy.display_name,
        description_for_admins=policy.description_for_admins,
        description_for_reviewers=policy.description_for_reviewers,
        scope=guest_scope(policy.inactive_days),
        instance_enumeration_scope=AccessReviewQueryScope(
            query=enumeration_query(policy.excluded_group_ids, teams_only=policy.teams_only),
            query_type="MicrosoftGraph",
        ),
        reviewers=who.reviewers,
        fallback_reviewers=who.fallback_reviewers,
        stage_settings=who.stages,
        settings=settings,
    )


def to_json(definition: AccessReviewScheduleDefinition) -> dict[str, Any]:
    """The JSON the SDK sends for ``definition``."""
    writer = JsonSerializationWriter()
    writer.write_object_value(None, definition)
    data: dict[str, Any] = json.loads(writer.get_serialized_content())
    return data
