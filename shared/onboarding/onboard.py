"""Onboarding one guest or many: the six steps, in the order they run, for every entry.

The first three steps can refuse a guest and none of them writes to Graph, so a refused guest
costs no Graph write and no audit row:

1. ``policy``: valid entries, each address once, e-mail domain, group allowlist, redirect URL (pure);
2. ``cooldown``: a guest a review denied recently needs an override (state table only);
3. ``targets``: the groups are Unified and not role-assignable, the sponsor internal (batched GETs);
4. ``invitations``: paced ``$batch`` invitations (an existing address returns its user);
5. ``memberships``: ``$batch`` reference writes for groups and sponsor;
6. ``record``: the onboarding record decides 201 or 200.

``audit`` writes the overrides before step 4 and what steps 4 and 5 changed after step 6, each in
one bulk write for the whole request, keyed by the delivery (``webhook-id``) so that the sender's
retry writes nothing twice. Graph requests go 20 to a ``$batch``; tests/shared/onboarding/test_onboard.py
asserts the request budgets (one new guest, once its groups' facts are cached: the invitation batch
and the write batch).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from shared.errors import GraphFailure, GuestkeeperError, ValidationFailed
from shared.onboarding.audit import record_changes, record_overrides
from shared.onboarding.candidate import Candidate
from shared.onboarding.cooldown import check_cooldown
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.invitations import invite
from shared.onboarding.memberships import write
from shared.onboarding.models import BulkItem, BulkOutcome, GuestRequest, OnboardingResult
from shared.onboarding.policy import admit
from shared.onboarding.record import finish
from shared.onboarding.targets import check_targets

STATE_CONCURRENCY = 16


async def onboard_guest(deps: OnboardingDeps, request: GuestRequest, *, delivery: str) -> OnboardingResult:
    """Onboard one guest; a refusal or failure is raised (``RequestRefused``, ``GraphFailure``, ...).

    ``delivery`` is the webhook id: the audit rows' keys carry it, so a retried delivery adds none.
    """
    outcome = await _onboard(deps, [request], prefix=lambda _: "", delivery=delivery)
    item = outcome.items[0]
    if item.error is not None:
        raise item.error
    assert item.result is not None
    return item.result


async def onboard_guests(
    deps: OnboardingDeps, requests_: Sequence[GuestRequest | ValidationFailed], *, delivery: str
) -> BulkOutcome:
    """Onboard many guests with batched Graph calls; each entry gets a result or its own error."""
    return await _onboard(deps, requests_, prefix=lambda i: f"guests[{i}].", delivery=delivery)


async def _onboard(
    deps: OnboardingDeps,
    requests_: Sequence[GuestRequest | ValidationFailed],
    *,
    prefix: Callable[[int], str],
    delivery: str,
) -> BulkOutcome:
    """The six steps for every entry; each step drops the guests it refuses into ``errors``."""
    now, settings, graph, gateway = deps.clock(), deps.settings, deps.graph, deps.gateway
    errors: dict[int, GuestkeeperError] = {}
    guests = admit(settings, requests_, prefix, errors)
    guests = await _each(
        guests, errors, lambda g: check_cooldown(deps.records, deps.denials, settings, g, now)
    )
    guests = await check_targets(graph, gateway, guests, errors)
    guests = await record_overrides(deps.audit, guests, delivery, now, errors)
    guests = await invite(graph, gateway, settings, guests, errors)
    written = await write(graph, gateway, guests)
    items = [
        BulkItem(i, r.external_ref if isinstance(r, GuestRequest) else None, error=errors.get(i))
        for i, r in enumerate(requests_)
    ]
    gate = asyncio.Semaphore(STATE_CONCURRENCY)

    async def settle(guest: Candidate, result: OnboardingResult, failures: list[GraphFailure]) -> None:
        async with gate:
            items[guest.index] = await finish(deps.records, guest, result, failures, now)

    await asyncio.gather(*(settle(*entry) for entry in written))
    await record_changes(deps.audit, written, items, delivery, now)
    return BulkOutcome(tuple(items))


async def _each(
    guests: list[Candidate], errors: dict[int, GuestkeeperError], step: Callable[[Candidate], Awaitable[None]]
) -> list[Candidate]:
    """Run a per-guest state-table step concurrently; a guest whose step raises is dropped."""
    gate = asyncio.Semaphore(STATE_CONCURRENCY)

    async def one(guest: Candidate) -> None:
        async with gate:
            try:
                await step(guest)
            except GuestkeeperError as exc:
                errors[guest.index] = exc

    await asyncio.gather(*(one(g) for g in guests))
    return [g for g in guests if g.index not in errors]
