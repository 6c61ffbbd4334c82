"""Where an offboarding's terminal outcome leaves the flow: one place, called once per guest
offboarded for real (never for a dry run or a refusal).

The outcome is ``disabled`` (the account is off; governance deletes it at ``deleteAfter``) or
``offboarded`` (out of the managed groups, account kept for its other access). Today it is logged,
ids and outcome only; the HR callback queue publishes the same value from here.
"""

from __future__ import annotations

import logging

from shared.offboarding.models import GroupStatus, OffboardingResult

log = logging.getLogger("guestkeeper.offboarding")


def announce(result: OffboardingResult) -> None:
    """Publish one guest's offboarding outcome."""
    removed = sum(1 for g in result.groups if g.status is GroupStatus.REMOVED)
    log.info(
        "guest %s %s: groups removed=%d account=%s deleteAfter=%s cooldown=%s",
        result.user_id,
        "disabled" if result.disabled else "offboarded",
        removed,
        result.account.value,
        result.delete_after.date().isoformat() if result.delete_after else "none",
        result.cooldown,
    )
