"""Onboarding one guest or many: the six steps, in the order they run, for every entry.

The first three steps can refuse a guest and none of them writes to Graph, so a refused guest
costs no Graph write:

1. ``policy``: valid entries, each address once, e-mail domain, group allowlist, redirect URL (pure);
2. ``cooldown``: a guest a review denied recently needs an override (state table only);
3. ``targets``: the groups are Unified and not role-assignable, the sponsor internal (batched GETs);
4. ``invitations``: paced ``$batch`` invitations (an existing address returns its user);
5. ``memberships``: ``$batch`` reference writes for groups and sponsor;
6. ``record``: the onboarding record decides 201 or 200.

Graph requests go 20 to a ``$batch``; tests/shared/onboarding/test_onboard.py asserts the request
budgets (one new guest, once its groups' facts are cached: the invitation batch and the write batch).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from shared.errors import GraphFailure, GuestkeeperError, ValidationFailed
from shared.onboarding.candidate import Candidate
from shared.onboarding.cooldown import check_cooldown, record_override
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.invitations import invite
from shared.onboarding.memberships import write
from shared.onboarding.models import BulkItem, BulkOutcome, GuestRequest, OnboardingResult
from shared.onboarding.policy import admit
from shared.onboarding.record import finish
from shared.onboarding.targets import check_targets

STATE_CONCURRENCY = 16


async def onboard_guest(deps: OnboardingDeps, request: GuestRequest) -> OnboardingResult:
    """Onboard one guest; a refusal or failure is raised (``RequestRefused``, ``GraphFailure``, ...)."""
    outcome = await _onboard(deps, [request], prefix=lambda _: "")
    item = outcome.items[0]
    if item.error is not None:
        raise item.error
    assert item.result is not None
    return item.result


async def onboard_guests(
    deps: OnboardingDeps, requests_: Sequence[GuestRequest | ValidationFailed]
) -> BulkOutcome:
    """Onboard many guests with batched Graph calls; each entry gets a result or its own error."""
    return await _onboard(deps, requests_, prefix=lambda i: f"guests[{i}].")


async def _onboard(
    deps: OnboardingDeps,
    requests_: Sequence[GuestRequest | ValidationFailed],
    *,
    prefix: Callable[[int], str],
) -> BulkOutcome:
    """The six steps for every entry; each step drops the guests it refuses into ``errors``."""
    now, settings, graph, gateway = deps.clock(), deps.settings, deps.graph, deps.gateway
    errors: dict[int, GuestkeeperError] = {}
    guests = admit(settings, requests_, prefix, errors)
    guests = await _each(
        guests, errors, lambda g: check_cooldown(deps.records, deps.denials, settings, g, now)
    )
    guests = await check_targets(graph, gateway, guests, errors)
    guests = await _each(guests, errors, lambda g: record_override(deps.audit, g, now))
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
