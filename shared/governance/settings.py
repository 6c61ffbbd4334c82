"""Settings of the governance timer: one section of ``shared.settings.Settings``.

Every value has a default, so the section never blocks onboarding-only deployments (the pending
invitation reminders and expiry are off until their ``INVITE_*`` settings say how many days); each
bad value is reported under its own setting name, and the review policy's own rules
(``ReviewPolicy.problems``, including the refusal of auto-apply with a default decision of Deny)
are reported the same way.
The cleanup queue's name is read once, by ``CleanupSettings`` (``CLEANUP_QUEUE_NAME``): producer and
consumer cannot disagree on it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from shared.config import GUID, Env
from shared.governance.definition import (
    APPLY_ACTIONS,
    DEFAULT_DECISIONS,
    RECURRENCE_TYPES,
    STAGE_DAY_SETTINGS,
    Reviewer,
    ReviewPolicy,
)
from shared.governance.reviewers import REVIEWER_KINDS

DEFAULT_SCHEDULE = "0 0 2 * * *"  # daily at 02:00 (host time zone, UTC by default)
_TIMESPAN = re.compile(r"^\d{1,2}:\d{2}:\d{2}$")  # the host also accepts hh:mm:ss on dedicated plans
_ANY = 10**6  # wide integer bounds: ReviewPolicy.problems() owns the real ranges


@dataclass(frozen=True)
class GovernanceSettings:
    policy: ReviewPolicy = field(default_factory=ReviewPolicy)
    schedule: str = DEFAULT_SCHEDULE  # the binding reads %GOVERNANCE_SCHEDULE% itself; checked here
    dry_run: bool = False  # report what the pass would do; write nothing (Graph, queue, table)
    grace_days: int = 30  # days between cleanup disabling a guest and the pass deleting it
    remind_after_days: int = 0  # a pending invitation this old gets one reminder; 0: never
    expire_after_days: int = (
        0  # a pending invitation this old expires: groups removed, guest deleted; 0: never
    )
    queue_service_uri: str | None = None  # identity-based AzureWebJobsStorage (no connection string)

    @classmethod
    def from_env(cls, env: Env) -> GovernanceSettings:
        policy = review_policy(env)
        for name, message in policy.problems().items():
            env.problem(name, message)
        schedule = env.text("GOVERNANCE_SCHEDULE") or DEFAULT_SCHEDULE
        if len(schedule.split()) != 6 and not _TIMESPAN.match(schedule):
            env.problem(
                "GOVERNANCE_SCHEDULE",
                "must be a six-field NCRONTAB expression such as '0 0 2 * * *' (or hh:mm:ss)",
            )
        uri = env.text("AzureWebJobsStorage__queueServiceUri")
        account = env.text("AzureWebJobsStorage__accountName")
        if uri is None and account is not None:
            uri = f"https://{account}.queue.core.windows.net"
        if (
            uri is None
            and env.text("AzureWebJobsStorage__tableServiceUri")
            and not env.text("AzureWebJobsStorage")
        ):
            env.problem(
                "AzureWebJobsStorage__queueServiceUri",
                "is required with identity-based storage (the cleanup queue), or set __accountName",
            )
        remind = env.integer("INVITE_REMIND_AFTER_DAYS", 0, minimum=0, maximum=3650)
        expire = env.integer("INVITE_EXPIRE_AFTER_DAYS", 0, minimum=0, maximum=3650)
        if remind and expire and remind >= expire:
            env.problem(
                "INVITE_REMIND_AFTER_DAYS", "must be less than INVITE_EXPIRE_AFTER_DAYS (or 0: no reminder)"
            )
        return cls(
            policy=policy,
            schedule=schedule,
            dry_run=env.boolean("GOVERNANCE_DRY_RUN", False),
            grace_days=env.integer("GUEST_DELETE_GRACE_DAYS", 30, minimum=0, maximum=3650),
            remind_after_days=remind,
            expire_after_days=expire,
            queue_service_uri=uri,
        )


def review_policy(env: Env) -> ReviewPolicy:
    """The ``REVIEW_*`` settings as a policy; parse errors are reported, the default kept."""
    base = ReviewPolicy()
    return ReviewPolicy(
        display_name=env.text("REVIEW_DISPLAY_NAME") or base.display_name,
        recurrence_type=_choice(env, "REVIEW_RECURRENCE_TYPE", RECURRENCE_TYPES, base.recurrence_type),
        recurrence_interval=env.integer(
            "REVIEW_RECURRENCE_INTERVAL", base.recurrence_interval, minimum=-_ANY, maximum=_ANY
        ),
        start_date=_date(env, "REVIEW_START_DATE"),
        instance_duration_days=env.integer(
            "REVIEW_INSTANCE_DURATION_DAYS", base.instance_duration_days, minimum=-_ANY, maximum=_ANY
        ),
        fallback_reviewers=_reviewers(env, "REVIEW_FALLBACK_REVIEWERS"),
        default_decision_enabled=env.boolean(
            "REVIEW_DEFAULT_DECISION_ENABLED", base.default_decision_enabled
        ),
        default_decision=_choice(env, "REVIEW_DEFAULT_DECISION", DEFAULT_DECISIONS, base.default_decision),
        auto_apply=env.boolean("REVIEW_AUTO_APPLY", base.auto_apply),
        apply_action=_choice(env, "REVIEW_APPLY_ACTION", APPLY_ACTIONS, base.apply_action),
        recommendations_enabled=env.boolean("REVIEW_RECOMMENDATIONS", base.recommendations_enabled),
        recommendation_look_back_days=env.integer(
            "REVIEW_RECOMMENDATION_LOOKBACK_DAYS",
            base.recommendation_look_back_days,
            minimum=-_ANY,
            maximum=_ANY,
        ),
        justification_required=env.boolean("REVIEW_JUSTIFICATION_REQUIRED", base.justification_required),
        mail_notifications=env.boolean("REVIEW_MAIL_NOTIFICATIONS", base.mail_notifications),
        reminder_notifications=env.boolean("REVIEW_REMINDER_NOTIFICATIONS", base.reminder_notifications),
        excluded_group_ids=_group_ids(env, "REVIEW_EXCLUDED_GROUP_IDS"),
        allow_auto_apply_with_deny=env.boolean("REVIEW_ALLOW_AUTO_APPLY_WITH_DENY", False),
        inactive_days=_optional_integer(env, "REVIEW_INACTIVE_DAYS"),
        teams_only=env.boolean("REVIEW_TEAMS_ONLY", base.teams_only),
        reviewers=_choice(env, "REVIEW_REVIEWERS", REVIEWER_KINDS, base.reviewers),
        stages=env.integer("REVIEW_STAGES", base.stages, minimum=-_ANY, maximum=_ANY),
        stage_days=(
            env.integer(STAGE_DAY_SETTINGS[0], base.stage_days[0], minimum=-_ANY, maximum=_ANY),
            env.integer(STAGE_DAY_SETTINGS[1], base.stage_days[1], minimum=-_ANY, maximum=_ANY),
        ),
    )


def _choice(env: Env, name: str, allowed: tuple[str, ...], default: str) -> str:
    """A value of a Graph enum, matched case-insensitively and returned in Graph's spelling."""
    raw = env.text(name)
    if raw is None:
        return default
    for value in allowed:
        if value.casefold() == raw.casefold():
            return value
    return raw  # ReviewPolicy.problems() names the allowed values


def _optional_integer(env: Env, name: str) -> int | None:
    """An integer, or None when the setting is empty (the option is off)."""
    raw = env.text(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        env.problem(name, f"must be an integer, not {raw!r}")
        return None


def _date(env: Env, name: str) -> dt.date | None:
    raw = env.text(name)
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        env.problem(name, f"must be a date in the form YYYY-MM-DD, not {raw!r}")
        return None


def _reviewers(env: Env, name: str) -> tuple[Reviewer, ...]:
    """``user:<object id>,group:<object id>``; a bare object id means a user."""
    found: list[Reviewer] = []
    for item in env.items(name):
        kind, _, ident = item.rpartition(":")
        kind = (kind or "user").strip().lower()
        ident = ident.strip()
        if kind not in ("user", "group") or not GUID.match(ident):
            env.problem(name, "must list 'user:<object id>' or 'group:<object id>', comma-separated")
            return ()
        found.append(Reviewer(kind, ident.lower()))
    return tuple(dict.fromkeys(found))


def _group_ids(env: Env, name: str) -> tuple[str, ...]:
    ids = env.items(name)
    if any(not GUID.match(g) for g in ids):
        env.problem(name, "must be a comma-separated list of group object ids")
        return ()
    return tuple(dict.fromkeys(g.lower() for g in ids))
