"""Step 2, the review cool-down: a guest a review denied (or an HR offboarding ended) recently is
refused unless the request overrides it with a reason, which goes to the audit trail before any write
(``audit``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.errors import RecentlyDenied
from shared.onboarding.candidate import Candidate
from shared.onboarding.settings import OnboardingSettings
from shared.state import Denials, OnboardingRecords


async def check_cooldown(
    records: OnboardingRecords,
    denials: Denials,
    settings: OnboardingSettings,
    guest: Candidate,
    now: datetime,
) -> None:
    """Refuse a guest a review denied within the cool-down (address -> guest id -> latest denial)."""
    if settings.denial_cooldown_days == 0:
        return
    record = await records.get_onboarding(guest.key)
    denial = await denials.latest_denial(record.guest_id) if record else None
    if denial is None or denial.denied_at < now - timedelta(days=settings.denial_cooldown_days):
        return
    if guest.request.override is None:
        who = "An HR offboarding ended" if denial.by_offboarding else "An access review denied"
        raise RecentlyDenied(
            f"{who} this guest on {denial.denied_at:%Y-%m-%d}, within the "
            f"{settings.denial_cooldown_days}-day cool-down. Send override.reason to onboard anyway.",
            extensions={"guestId": denial.guest_id, "deniedAt": denial.denied_at.isoformat()},
        )
    guest.overridden = denial
