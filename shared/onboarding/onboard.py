"""Onboarding: invite a guest, add it to its groups, set its sponsor; for one guest or many.

Every guest goes through the same steps; the first three can refuse it, and none of them writes
to Graph, so a refused guest costs no Graph write:

1. policy: e-mail domain, group allowlist, redirect URL (pure, from settings);
2. review cool-down: onboarding record -> guest id -> latest denial (state table only);
3. group and sponsor facts: Unified, not role-assignable, internal sponsor (batched GETs, cached);
4. invitation: ``$batch`` items (7 batches of 20 and one of 10 per 150), paced under 150 per 5 s
   (an existing address returns its user);
5. memberships and sponsor: ``$batch`` reference writes; "already exist" counts as done, and a
   404 for the guest just invited is retried with bounded backoff (replication delay);
6. onboarding record: an atomic create decides 201 (this request created it) or 200.

One new guest into k <= 19 groups (or 20 without a sponsor) costs two round trips once group
facts are cached: the invitation batch and the write batch. N guests with W memberships and
sponsors cost about ``ceil(8 N / 150) + ceil(W / 20)`` plus one facts round for groups not seen before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from shared.errors import (
    FieldError,
    GraphFailure,
    GuestkeeperError,
    NotFound,
    OnboardingIncomplete,
    RecentlyDenied,
    StateUnavailable,
    Transient,
    ValidationFailed,
)
from shared.onboarding import steps
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.models import BulkItem, BulkOutcome, GuestRequest, OnboardingResult
from shared.onboarding.policy import check_policy
from shared.onboarding.settings import OnboardingSettings
from shared.onboarding.steps import Candidate
from shared.state import AuditRecord, AuditTrail, OnboardingRecord, OnboardingRecords, address_hash

log = logging.getLogger("guestkeeper.onboarding")
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
    guests = _admit(settings, requests_, prefix, errors)
    guests = await _each(guests, errors, lambda g: _check_cooldown(deps, g, now))
    guests = await steps.check_targets(graph, gateway, guests, errors)
    guests = await _each(guests, errors, lambda g: _record_override(deps.audit, g, now))
    guests = await steps.invite(graph, gateway, settings, guests, errors)
    written = await steps.write(graph, gateway, guests)
    items = [
        BulkItem(i, r.external_ref if isinstance(r, GuestRequest) else None, error=errors.get(i))
        for i, r in enumerate(requests_)
    ]
    gate = asyncio.Semaphore(STATE_CONCURRENCY)

    async def finish(guest: Candidate, result: OnboardingResult, failures: list[GraphFailure]) -> None:
        async with gate:
            items[guest.index] = await _finish(deps.records, guest, result, failures, now)

    await asyncio.gather(*(finish(*entry) for entry in written))
    return BulkOutcome(tuple(items))


async def _finish(
    records: OnboardingRecords,
    guest: Candidate,
    result: OnboardingResult,
    failures: list[GraphFailure],
    now: datetime,
) -> BulkItem:
    """Step 6: a complete onboarding creates its record (201) or finds it (200)."""
    ref = guest.request.external_ref
    if failures:
        _log_result(result)
        transient = all(isinstance(f, Transient | NotFound) for f in failures)
        error = OnboardingIncomplete(result, transient=transient, retry_after=5.0 if transient else None)
        return BulkItem(guest.index, ref, error=error)
    try:
        created = await records.create_onboarding(OnboardingRecord(guest.key, result.invited.user_id, now))
    except StateUnavailable as exc:
        return BulkItem(guest.index, ref, error=exc)
    result = replace(result, created=created)
    _log_result(result)
    return BulkItem(guest.index, ref, result=result)


def _admit(
    settings: OnboardingSettings,
    requests_: Sequence[GuestRequest | ValidationFailed],
    prefix: Callable[[int], str],
    errors: dict[int, GuestkeeperError],
) -> list[Candidate]:
    """Step 1: drop invalid entries, policy refusals and repeated addresses (pure)."""
    guests: list[Candidate] = []
    seen: dict[str, int] = {}
    for index, request in enumerate(requests_):
        if not isinstance(request, GuestRequest):
            errors[index] = request
            continue
        key = address_hash(request.address)
        if key in seen:
            field = FieldError(f"{prefix(index)}email", f"repeats the address of guests[{seen[key]}]")
            errors[index] = ValidationFailed("A bulk request names an address twice.", errors=[field])
            continue
        try:
            check_policy(request, settings, prefix=prefix(index))
        except GuestkeeperError as exc:
            errors[index] = exc
            continue
        seen[key] = index
        guests.append(Candidate(index, request, prefix(index), key))
    return guests


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


async def _check_cooldown(deps: OnboardingDeps, guest: Candidate, now: datetime) -> None:
    """Step 2: refuse a guest a review denied within the cool-down, unless overridden with a reason."""
    settings = deps.settings
    if settings.denial_cooldown_days == 0:
        return
    record = await deps.records.get_onboarding(guest.key)
    denial = await deps.denials.latest_denial(record.guest_id) if record else None
    if denial is None or denial.denied_at < now - timedelta(days=settings.denial_cooldown_days):
        return
    if guest.request.override is None:
        raise RecentlyDenied(
            f"An access review denied this guest on {denial.denied_at:%Y-%m-%d}, within the "
            f"{settings.denial_cooldown_days}-day cool-down. Send override.reason to onboard anyway.",
            extensions={"guestId": denial.guest_id, "deniedAt": denial.denied_at.isoformat()},
        )
    guest.overridden = denial


async def _record_override(audit: AuditTrail, guest: Candidate, now: datetime) -> None:
    """Before any write: the override and its reason go to the audit trail."""
    if guest.overridden is None or guest.request.override is None:
        return
    await audit.record_audit(
        AuditRecord(
            action="onboarding.cooldown-override",
            outcome="accepted",
            at=now,
            guest_id=guest.overridden.guest_id,
            instance_id=guest.overridden.instance_id,
            detail=guest.request.override.reason,
        )
    )
    log.info(
        "cool-down overridden for guest %s (denied in instance %s)",
        guest.overridden.guest_id,
        guest.overridden.instance_id,
    )


def _log_result(result: OnboardingResult) -> None:
    statuses = ",".join(f"{g.group_id}:{g.status.value}" for g in result.groups)
    sponsor = result.sponsor.status.value if result.sponsor else "none"
    log.info(
        "guest %s onboarded: created=%s complete=%s invitation=%s groups=[%s] sponsor=%s",
        result.invited.user_id,
        result.created,
        result.complete,
        result.invited.status,
        statuses,
        sponsor,
    )
