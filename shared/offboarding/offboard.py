"""Offboarding one guest or many: the steps, in the order they run, for every entry.

1. ``resolve``: valid entries, each address once; each found as exactly one guest (batched
   ``GET /users?$filter=...``) with its groups (batched ``getMemberGroups``): Graph reads only;
2. ``cooldown``: the re-onboarding cool-down (state table), unless the request turns it off;
3. ``memberships``: the guest leaves each managed group it is in (batched ``DELETE``), audited
   at once, before any account is touched;
4. ``accounts``: disabled if no other group is left (batched ``PATCH``), dated for the grace
   deletion; then every guest's account decision and summary go to the audit trail;
5. ``outcome``: each guest's terminal outcome is logged and published for HR.

A dry run (``OFFBOARDING_DRY_RUN``) reads as a real run does, answers and audits what would change,
and writes nothing else: no Graph write, no cool-down, no disabled date.

A redelivery of the same event after a crash recomputes everything from Graph: memberships already
removed are not there any more, an account already disabled reads ``accountEnabled: false``; the
audit rows of the first attempt are kept and its answer reports them (``audit.Trail``).
tests/shared/offboarding/test_offboard.py asserts the request budgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from shared.errors import GuestkeeperError, ValidationFailed
from shared.offboarding import accounts, memberships
from shared.offboarding.audit import Trail
from shared.offboarding.cooldown import set_cooldown
from shared.offboarding.deps import OffboardingDeps
from shared.offboarding.leaver import Leaver
from shared.offboarding.models import BulkItem, BulkOutcome, OffboardingResult, OffboardRequest
from shared.offboarding.outcome import announce
from shared.offboarding.resolve import admit, find_guests

log = logging.getLogger("guestkeeper.offboarding")


async def offboard_guest(
    deps: OffboardingDeps, request: OffboardRequest, webhook_id: str
) -> OffboardingResult:
    """Offboard one guest; a refusal or failure is raised (``RequestRefused``, ``GraphFailure``, ...)."""
    outcome = await _offboard(deps, [request], webhook_id, prefix=lambda _: "")
    item = outcome.items[0]
    if item.error is not None:
        raise item.error
    assert item.result is not None
    return item.result


async def offboard_guests(
    deps: OffboardingDeps, requests_: Sequence[OffboardRequest | ValidationFailed], webhook_id: str
) -> BulkOutcome:
    """Offboard many guests with batched Graph calls; each entry gets a result or its own error."""
    return await _offboard(deps, requests_, webhook_id, prefix=lambda i: f"guests[{i}].")


async def _offboard(
    deps: OffboardingDeps,
    requests_: Sequence[OffboardRequest | ValidationFailed],
    webhook_id: str,
    *,
    prefix: Callable[[int], str],
) -> BulkOutcome:
    now, graph, retry, dry_run = deps.clock(), deps.graph, deps.retry, deps.settings.dry_run
    errors: dict[int, GuestkeeperError] = {}
    leavers = await find_guests(graph, retry, admit(requests_, prefix, errors), errors)
    trail = Trail(deps.audit, webhook_id, now, dry_run)
    memberships.plan(deps.managed_groups, leavers)
    accounts.plan(deps.managed_groups, leavers, errors)
    leavers = _still(leavers, errors)
    if not dry_run and leavers:
        await trail.load()
        await set_cooldown(deps.denials, deps.records, leavers, now)
        await memberships.remove(graph, retry, leavers, errors)
        await trail.removals(leavers)
        leavers = _still(leavers, errors)
        await accounts.disable(graph, retry, leavers, errors)
        leavers = _still(leavers, errors)
        for leaver in leavers:  # an earlier attempt of this delivery may have done part of it
            leaver.groups = {g: trail.first_group_status(leaver, g, s) for g, s in leaver.groups.items()}
            assert leaver.account is not None
            leaver.account = trail.first_account_status(leaver, leaver.account)
    await accounts.date(deps.disabled, leavers, now=now, grace_days=deps.grace_days, dry_run=dry_run)
    await trail.settled(leavers)
    items = [
        BulkItem(i, r.external_ref if isinstance(r, OffboardRequest) else None, error=errors.get(i))
        for i, r in enumerate(requests_)
    ]
    done: list[tuple[int, OffboardingResult]] = []
    for leaver in leavers:
        result = leaver.result(dry_run=dry_run)
        items[leaver.index] = BulkItem(leaver.index, leaver.request.external_ref, result=result)
        if dry_run:
            log.info("guest %s: dry run, would be %s", result.user_id, result.account.value)
        else:
            done.append((leaver.index, result))
    await announce(deps, webhook_id, done)
    return BulkOutcome(tuple(items))


def _still(leavers: list[Leaver], errors: dict[int, GuestkeeperError]) -> list[Leaver]:
    return [leaver for leaver in leavers if leaver.index not in errors]
