"""Where an offboarding's terminal outcomes leave the flow: one place, called once per delivery with
the guests offboarded for real (never for a dry run, a refusal or a failure).

Each guest's outcome is logged (ids and outcome only) and published for HR: ``guest.offboarded``
for every guest taken out of the managed groups, and ``guest.disabled`` too when this offboarding
disabled the account (not when it was disabled before: whoever disabled it reported that). The
source of both is the delivery's webhook id and the entry's index, as onboarding's, so a delivery
the sender retries after a 5xx publishes the same webhook ids and HR can drop the duplicates. The
request's ``reason`` never leaves the audit: it is free text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from shared.offboarding.deps import OffboardingDeps
from shared.offboarding.models import AccountStatus, GroupStatus, OffboardingResult
from shared.outcomes import Outcome, OutcomeKind, publish_all

log = logging.getLogger("guestkeeper.offboarding")
Data = dict[str, str | int | bool]


def outcomes_of(result: OffboardingResult, source: str, at: datetime) -> list[Outcome]:
    """``guest.offboarded``, and ``guest.disabled`` when this offboarding disabled the account."""
    removed = sum(1 for g in result.groups if g.status is GroupStatus.REMOVED)
    dated: Data = {"deleteAfter": result.delete_after.isoformat()} if result.delete_after else {}
    data: Data = {"account": result.account.value, "groupsRemoved": removed, "cooldown": result.cooldown}
    user, ref = result.user_id, result.external_ref
    found = [Outcome(OutcomeKind.OFFBOARDED, at, source, user_id=user, external_ref=ref, data=data | dated)]
    if result.account is AccountStatus.DISABLED:
        found.append(Outcome(OutcomeKind.DISABLED, at, source, user_id=user, external_ref=ref, data=dated))
    return found


async def announce(
    deps: OffboardingDeps, webhook_id: str, results: Sequence[tuple[int, OffboardingResult]]
) -> None:
    """Log and publish the outcomes of the guests offboarded, each with its entry's index."""
    now = deps.clock()
    found: list[Outcome] = []
    for index, result in results:
        offboarded, *disabled = outcomes_of(result, f"{webhook_id}#{index}", now)
        log.info(
            "guest %s %s: groups removed=%s account=%s deleteAfter=%s cooldown=%s",
            result.user_id,
            "disabled" if result.disabled else "offboarded",
            offboarded.data["groupsRemoved"],
            result.account.value,
            result.delete_after.date().isoformat() if result.delete_after else "none",
            result.cooldown,
        )
        found += [offboarded, *disabled]
    await publish_all(deps.outcomes, found)
