"""Onboarding's terminal outcomes, published for HR: onboarded, refused by policy, cool-down.

One outcome per guest entry that reached one of them. Validation errors, ineligible targets and
Graph failures are answered to the request only: the sender sees them and a retry may succeed.
The source of each outcome is the delivery's webhook id and the entry's index, so a delivery the
sender retries (after a 5xx) publishes the same webhook ids and HR can drop the duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.errors import PolicyRefused, RecentlyDenied
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.models import BulkItem
from shared.outcomes import Outcome, OutcomeKind, publish_all


def outcome_of(item: BulkItem, webhook_id: str, at: datetime) -> Outcome | None:
    """The entry's terminal outcome, or None when it has none (the answer says what to fix)."""
    source, ref = f"{webhook_id}#{item.index}", item.external_ref
    if item.result is not None:
        user = item.result.invited.user_id
        created = {"created": item.result.created}
        return Outcome(OutcomeKind.ONBOARDED, at, source, user_id=user, external_ref=ref, data=created)
    error = item.error
    if isinstance(error, RecentlyDenied):
        guest = error.extensions.get("guestId")
        denied = guest if isinstance(guest, str) else None
        reason = {"reason": error.slug}
        return Outcome(OutcomeKind.COOLDOWN, at, source, user_id=denied, external_ref=ref, data=reason)
    if isinstance(error, PolicyRefused):
        return Outcome(OutcomeKind.REFUSED, at, source, external_ref=ref, data={"reason": error.slug})
    return None


async def publish_outcomes(deps: OnboardingDeps, webhook_id: str, items: Sequence[BulkItem]) -> None:
    now = deps.clock()
    found = (outcome_of(item, webhook_id, now) for item in items)
    await publish_all(deps.outcomes, [o for o in found if o is not None])
