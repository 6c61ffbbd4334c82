"""Governance settings: defaults, parsing, and every bad value named by its setting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from shared.errors import ConfigurationError
from shared.governance.definition import Reviewer, ReviewPolicy
from shared.governance.settings import DEFAULT_SCHEDULE
from shared.settings import Settings
from tests.shared.conftest import settings_env

ROOT = Path(__file__).resolve().parents[3]
USER = "c9a5aff7-9298-4d71-adab-0a222e0a05e4"
GROUP = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"


def governance(**env: str) -> Settings:
    return Settings.from_env(settings_env(**env))


def problems(**env: str) -> dict[str, str]:
    with pytest.raises(ConfigurationError) as caught:
        governance(**env)
    return dict(caught.value.problems)


def test_defaults_are_the_tutorials_quarterly_review() -> None:
    section = governance().governance
    assert section.policy == ReviewPolicy()
    assert section.schedule == DEFAULT_SCHEDULE == "0 0 2 * * *"
    assert (section.dry_run, section.grace_days, section.queue_service_uri) == (False, 30, None)
    assert governance().cleanup.queue_name == "review-cleanup"  # one setting, read once, for both ends


def test_every_review_setting_is_read() -> None:
    section = governance(
        REVIEW_DISPLAY_NAME="Guests, quarterly",
        REVIEW_RECURRENCE_TYPE="WEEKLY",
        REVIEW_RECURRENCE_INTERVAL="2",
        REVIEW_START_DATE="2026-02-02",
        REVIEW_INSTANCE_DURATION_DAYS="7",
        REVIEW_FALLBACK_REVIEWERS=f"user:{USER}, group:{GROUP.upper()}",
        REVIEW_DEFAULT_DECISION_ENABLED="yes",
        REVIEW_DEFAULT_DECISION="recommendation",
        REVIEW_AUTO_APPLY="false",
        REVIEW_APPLY_ACTION="disableAndDeleteUserApplyAction",
        REVIEW_RECOMMENDATIONS="0",
        REVIEW_RECOMMENDATION_LOOKBACK_DAYS="14",
        REVIEW_JUSTIFICATION_REQUIRED="off",
        REVIEW_MAIL_NOTIFICATIONS="false",
        REVIEW_REMINDER_NOTIFICATIONS="false",
        REVIEW_EXCLUDED_GROUP_IDS=f"{GROUP},{GROUP}",
        GOVERNANCE_SCHEDULE="0 30 3 * * 1",
        GOVERNANCE_DRY_RUN="true",
        GUEST_DELETE_GRACE_DAYS="0",
    ).governance
    assert section.policy == ReviewPolicy(
        display_name="Guests, quarterly",
        recurrence_type="weekly",
        recurrence_interval=2,
        start_date=dt.date(2026, 2, 2),
        instance_duration_days=7,
        fallback_reviewers=(Reviewer("user", USER), Reviewer("group", GROUP)),
        default_decision_enabled=True,
        default_decision="Recommendation",
        auto_apply=False,
        apply_action="disableAndDeleteUserApplyAction",
        recommendations_enabled=False,
        recommendation_look_back_days=14,
        justification_required=False,
        mail_notifications=False,
        reminder_notifications=False,
        excluded_group_ids=(GROUP,),
    )
    assert (section.schedule, section.dry_run, section.grace_days) == ("0 30 3 * * 1", True, 0)


def test_every_bad_value_is_named_at_once() -> None:
    found = problems(
        REVIEW_RECURRENCE_TYPE="daily",
        REVIEW_RECURRENCE_INTERVAL="13",
        REVIEW_START_DATE="next monday",
        REVIEW_INSTANCE_DURATION_DAYS="two weeks",
        REVIEW_FALLBACK_REVIEWERS="manager:someone",
        REVIEW_DEFAULT_DECISION="Maybe",
        REVIEW_AUTO_APPLY="sometimes",
        REVIEW_APPLY_ACTION="deleteEverything",
        REVIEW_RECOMMENDATION_LOOKBACK_DAYS="0",
        REVIEW_EXCLUDED_GROUP_IDS="sales",
        GOVERNANCE_SCHEDULE="every day",
        GOVERNANCE_DRY_RUN="perhaps",
        GUEST_DELETE_GRACE_DAYS="-1",
    )
    assert set(found) == {
        "REVIEW_RECURRENCE_TYPE",
        "REVIEW_RECURRENCE_INTERVAL",
        "REVIEW_START_DATE",
        "REVIEW_INSTANCE_DURATION_DAYS",
        "REVIEW_FALLBACK_REVIEWERS",
        "REVIEW_DEFAULT_DECISION",
        "REVIEW_AUTO_APPLY",
        "REVIEW_APPLY_ACTION",
        "REVIEW_RECOMMENDATION_LOOKBACK_DAYS",
        "REVIEW_EXCLUDED_GROUP_IDS",
        "GOVERNANCE_SCHEDULE",
        "GOVERNANCE_DRY_RUN",
        "GUEST_DELETE_GRACE_DAYS",
    }
    assert "absoluteMonthly, weekly" in found["REVIEW_RECURRENCE_TYPE"]
    assert "YYYY-MM-DD" in found["REVIEW_START_DATE"]


def test_auto_apply_with_a_default_deny_is_refused_unless_explicitly_allowed() -> None:
    risky = {"REVIEW_DEFAULT_DECISION_ENABLED": "true", "REVIEW_DEFAULT_DECISION": "Deny"}
    found = problems(**risky)  # auto-apply is on by default
    assert list(found) == ["REVIEW_ALLOW_AUTO_APPLY_WITH_DENY"]
    assert "revokes every guest's access" in found["REVIEW_ALLOW_AUTO_APPLY_WITH_DENY"]
    allowed = governance(**risky, REVIEW_ALLOW_AUTO_APPLY_WITH_DENY="true").governance.policy
    assert (allowed.auto_apply, allowed.default_decision, allowed.allow_auto_apply_with_deny) == (
        True,
        "Deny",
        True,
    )
    manual = governance(**risky, REVIEW_AUTO_APPLY="false").governance.policy
    assert manual.default_decision == "Deny"


@pytest.mark.parametrize("schedule", ["0 */5 * * * *", "01:00:00"])
def test_schedule_forms_the_host_accepts(schedule: str) -> None:
    assert governance(GOVERNANCE_SCHEDULE=schedule).governance.schedule == schedule


def test_identity_based_storage_names_the_queue_endpoint() -> None:
    env = settings_env(AzureWebJobsStorage__accountName="gkstore")
    del env["AzureWebJobsStorage"]
    section = Settings.from_env(env).governance
    assert section.queue_service_uri == "https://gkstore.queue.core.windows.net"


def test_identity_based_storage_needs_a_queue_endpoint() -> None:
    env = settings_env(AzureWebJobsStorage__tableServiceUri="https://gkstore.table.core.windows.net")
    del env["AzureWebJobsStorage"]
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env)
    assert caught.value.names == ("AzureWebJobsStorage__queueServiceUri",)
    env["AzureWebJobsStorage__queueServiceUri"] = "https://gkstore.queue.core.windows.net"
    assert Settings.from_env(env).governance.queue_service_uri == env["AzureWebJobsStorage__queueServiceUri"]


def test_the_local_sample_names_the_timer_schedule() -> None:
    """The binding reads %GOVERNANCE_SCHEDULE% itself and has no default: the sample must set it."""
    values = json.loads((ROOT / "local.settings.sample.json").read_text(encoding="utf-8"))["Values"]
    assert values["GOVERNANCE_SCHEDULE"] == DEFAULT_SCHEDULE


def test_pending_invitations_are_off_until_both_ages_are_set() -> None:
    section = governance().governance
    assert (section.remind_after_days, section.expire_after_days) == (0, 0)
    on = governance(INVITE_REMIND_AFTER_DAYS="7", INVITE_EXPIRE_AFTER_DAYS="30").governance
    assert (on.remind_after_days, on.expire_after_days) == (7, 30)
    expiry_only = governance(INVITE_EXPIRE_AFTER_DAYS="30").governance
    assert (expiry_only.remind_after_days, expiry_only.expire_after_days) == (0, 30)


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"INVITE_REMIND_AFTER_DAYS": "30", "INVITE_EXPIRE_AFTER_DAYS": "30"}, "INVITE_REMIND_AFTER_DAYS"),
        ({"INVITE_REMIND_AFTER_DAYS": "-1"}, "INVITE_REMIND_AFTER_DAYS"),
        ({"INVITE_EXPIRE_AFTER_DAYS": "a month"}, "INVITE_EXPIRE_AFTER_DAYS"),
    ],
)
def test_bad_invitation_ages_are_named(env: dict[str, str], name: str) -> None:
    assert name in problems(**env)


def test_the_review_options_are_off_by_default_and_read_when_set() -> None:
    policy = governance().governance.policy
    assert (policy.inactive_days, policy.teams_only, policy.reviewers, policy.stages) == (
        None,
        False,
        "owners",
        1,
    )
    assert policy.stage_days == (7, 7)
    section = governance(
        REVIEW_INACTIVE_DAYS="90",
        REVIEW_TEAMS_ONLY="true",
        REVIEW_REVIEWERS="Sponsors",
        REVIEW_STAGES="2",
        REVIEW_SPONSOR_STAGE_DAYS="10",
        REVIEW_OWNER_STAGE_DAYS="20",
    ).governance
    assert section.policy == ReviewPolicy(
        inactive_days=90, teams_only=True, reviewers="sponsors", stages=2, stage_days=(10, 20)
    )


def test_impossible_review_options_fail_at_startup_naming_the_settings() -> None:
    assert set(problems(REVIEW_STAGES="2")) == {"REVIEW_STAGES", "REVIEW_REVIEWERS"}  # no sponsors
    too_long = problems(REVIEW_REVIEWERS="sponsors", REVIEW_STAGES="2", REVIEW_SPONSOR_STAGE_DAYS="83")
    assert set(too_long) == {"REVIEW_SPONSOR_STAGE_DAYS", "REVIEW_OWNER_STAGE_DAYS"}
    assert "adds up to 90 days, more than one recurrence (89 days" in too_long["REVIEW_OWNER_STAGE_DAYS"]
    found = problems(
        REVIEW_INACTIVE_DAYS="0",
        REVIEW_TEAMS_ONLY="teams",
        REVIEW_REVIEWERS="managers",
        REVIEW_STAGES="two",
        REVIEW_OWNER_STAGE_DAYS="a week",
    )
    assert set(found) == {
        "REVIEW_INACTIVE_DAYS",
        "REVIEW_TEAMS_ONLY",
        "REVIEW_REVIEWERS",
        "REVIEW_STAGES",
        "REVIEW_OWNER_STAGE_DAYS",
    }
    assert "leave it empty" in found["REVIEW_INACTIVE_DAYS"]
    assert "owners, sponsors" in found["REVIEW_REVIEWERS"]
    assert problems(REVIEW_INACTIVE_DAYS="ninety") == {
        "REVIEW_INACTIVE_DAYS": "must be an integer, not 'ninety'"
    }
