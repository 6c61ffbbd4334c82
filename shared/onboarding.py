"""Onboarding: invite a guest, add it to its groups, set its sponsor; for one guest or many.

Every guest goes through the same steps; the first three can refuse it, and none of them writes
to Graph, so a refused guest costs no Graph write:

1. policy: e-mail domain, group allowlist, redirect URL (pure, from settings);
2. review cool-down: onboarding record -> guest id -> latest denial (state table only);
3. group and sponsor facts: Unified, not role-assignable, internal sponsor (batched GETs, cached);
4. invitation: ``$batch`` items of 20, paced under 150 per 5 s (an existing address returns its user);
5. memberships and sponsor: ``$batch`` reference writes; "already exist" counts as done, and a
   404 for the guest just invited is retried with bounded backoff (replication delay);
6. onboarding record: an atomic create decides 201 (this request created it) or 200.

One new guest into k <= 19 groups (or 20 without a sponsor) costs two round trips once group
facts are cached: the invitation batch and the write batch. N guests cost about
``2 * ceil(N / 20)`` plus one facts round for groups not seen before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from msgraph.graph_service_client import GraphServiceClient

from shared.config import OnboardingSettings
from shared.errors import (
    AlreadyMember,
    FieldError,
    GraphFailure,
    GuestkeeperError,
    NotFound,
    OnboardingIncomplete,
    RecentlyDenied,
    StateUnavailable,
    TargetNotEligible,
    Transient,
    ValidationFailed,
)
from shared.graph import requests
from shared.graph.batch import BatchResponse
from shared.graph.gateway import DirectoryGateway, GroupFacts, UserFacts
from shared.models import (
    BulkItem,
    BulkOutcome,
    GroupOutcome,
    GuestRequest,
    Invited,
    MembershipStatus,
    OnboardingResult,
    SponsorOutcome,
    SponsorStatus,
)
from shared.policy import check_policy
from shared.state import AuditRecord, Denial, OnboardingRecord, StateStore, address_hash

log = logging.getLogger("guestkeeper.onboarding")
T = TypeVar("T")
STATE_CONCURRENCY = 16


@dataclass
class _Guest:
    """A guest still in the running, and what the steps so far learnt about it."""

    index: int
    request: GuestRequest
    prefix: str
    key: str
    overridden: Denial | None = None
    invited: Invited | None = None


async def onboard_guest(
    graph: GraphServiceClient,
    settings: OnboardingSettings,
    store: StateStore,
    request: GuestRequest,
    *,
    gateway: DirectoryGateway,
    now: datetime,
) -> OnboardingResult:
    """Onboard one guest; a refusal or failure is raised (``RequestRefused``, ``GraphFailure``, ...)."""
    outcome = await _onboard(graph, settings, store, [request], gateway=gateway, now=now, prefix=lambda _: "")
    item = outcome.items[0]
    if item.error is not None:
        raise item.error
    assert item.result is not None
    return item.result


async def onboard_guests(
    graph: GraphServiceClient,
    settings: OnboardingSettings,
    store: StateStore,
    requests_: Sequence[GuestRequest | ValidationFailed],
    *,
    gateway: DirectoryGateway,
    now: datetime,
) -> BulkOutcome:
    """Onboard many guests with batched Graph calls; each entry gets a result or its own error."""
    return await _onboard(
        graph, settings, store, requests_, gateway=gateway, now=now, prefix=lambda i: f"guests[{i}]."
    )


async def _onboard(
    graph: GraphServiceClient,
    settings: OnboardingSettings,
    store: StateStore,
    requests_: Sequence[GuestRequest | ValidationFailed],
    *,
    gateway: DirectoryGateway,
    now: datetime,
    prefix: Callable[[int], str],
) -> BulkOutcome:
    errors: dict[int, GuestkeeperError] = {}
    guests = _admit(settings, requests_, prefix, errors)
    guests = await _each(guests, errors, lambda g: _check_cooldown(store, settings, g, now))
    guests = await _check_targets(graph, gateway, guests, errors)
    guests = await _each(guests, errors, lambda g: _record_override(store, g, now))
    guests = await _invite(graph, gateway, settings, guests, errors)
    written = await _write(graph, gateway, guests)
    items = [
        BulkItem(i, r.external_ref if isinstance(r, GuestRequest) else None, error=errors.get(i))
        for i, r in enumerate(requests_)
    ]
    gate = asyncio.Semaphore(STATE_CONCURRENCY)

    async def finish(guest: _Guest, result: OnboardingResult, failures: list[GraphFailure]) -> None:
        async with gate:
            items[guest.index] = await _finish(store, guest, result, failures, now)

    await asyncio.gather(*(finish(*entry) for entry in written))
    return BulkOutcome(tuple(items))


async def _finish(
    store: StateStore, guest: _Guest, result: OnboardingResult, failures: list[GraphFailure], now: datetime
) -> BulkItem:
    """Step 6: a complete onboarding creates its record (201) or finds it (200)."""
    ref = guest.request.external_ref
    if failures:
        _log_result(result)
        transient = all(isinstance(f, Transient | NotFound) for f in failures)
        error = OnboardingIncomplete(result, transient=transient, retry_after=5.0 if transient else None)
        return BulkItem(guest.index, ref, error=error)
    try:
        created = await store.create_onboarding(OnboardingRecord(guest.key, result.invited.user_id, now))
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
) -> list[_Guest]:
    """Step 1: drop invalid entries, policy refusals and repeated addresses (pure)."""
    guests: list[_Guest] = []
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
        guests.append(_Guest(index, request, prefix(index), key))
    return guests


async def _each(
    guests: list[_Guest], errors: dict[int, GuestkeeperError], step: Callable[[_Guest], Awaitable[None]]
) -> list[_Guest]:
    """Run a per-guest state-table step concurrently; a guest whose step raises is dropped."""
    gate = asyncio.Semaphore(STATE_CONCURRENCY)

    async def one(guest: _Guest) -> None:
        async with gate:
            try:
                await step(guest)
            except GuestkeeperError as exc:
                errors[guest.index] = exc

    await asyncio.gather(*(one(g) for g in guests))
    return [g for g in guests if g.index not in errors]


async def _check_cooldown(
    store: StateStore, settings: OnboardingSettings, guest: _Guest, now: datetime
) -> None:
    """Step 2: refuse a guest a review denied within the cool-down, unless overridden with a reason."""
    if settings.denial_cooldown_days == 0:
        return
    record = await store.get_onboarding(guest.key)
    denial = await store.latest_denial(record.guest_id) if record else None
    if denial is None or denial.denied_at < now - timedelta(days=settings.denial_cooldown_days):
        return
    if guest.request.override is None:
        raise RecentlyDenied(
            f"An access review denied this guest on {denial.denied_at:%Y-%m-%d}, within the "
            f"{settings.denial_cooldown_days}-day cool-down. Send override.reason to onboard anyway.",
            extensions={"guestId": denial.guest_id, "deniedAt": denial.denied_at.isoformat()},
        )
    guest.overridden = denial


async def _record_override(store: StateStore, guest: _Guest, now: datetime) -> None:
    """Before any write: the override and its reason go to the audit trail."""
    if guest.overridden is None or guest.request.override is None:
        return
    await store.record_audit(
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


async def _check_targets(
    graph: GraphServiceClient,
    gateway: DirectoryGateway,
    guests: list[_Guest],
    errors: dict[int, GuestkeeperError],
) -> list[_Guest]:
    """Step 3: every group exists, is Unified and not role-assignable; the sponsor is internal."""
    if not guests:
        return guests
    group_ids = [g for guest in guests for g in guest.request.groups]
    sponsor_ids = [guest.request.sponsor for guest in guests if guest.request.sponsor]
    try:
        groups, users = await gateway.facts(graph, group_ids, sponsor_ids)
    except GraphFailure as failure:
        for guest in guests:
            errors[guest.index] = failure
        return []
    for guest in guests:
        refusal = _target_refusal(guest, groups, users)
        if refusal is not None:
            errors[guest.index] = refusal
    return [g for g in guests if g.index not in errors]


def _target_refusal(
    guest: _Guest, groups: dict[str, GroupFacts | None], users: dict[str, UserFacts | None]
) -> TargetNotEligible | None:
    bad = []
    for i, group_id in enumerate(guest.request.groups):
        facts = groups.get(group_id)
        problem = "does not exist" if facts is None else facts.problem
        if problem:
            bad.append(FieldError(f"{guest.prefix}groups[{i}]", problem))
    if bad:
        return TargetNotEligible(
            "Guests join only Microsoft 365 groups that the guest review covers.", errors=bad
        )
    sponsor = guest.request.sponsor
    if sponsor is not None:
        facts_ = users.get(sponsor)
        problem = "does not exist" if facts_ is None else facts_.problem
        if problem:
            return TargetNotEligible(
                "A sponsor must be an enabled internal user.",
                slug="sponsor-not-eligible",
                title="The sponsor cannot sponsor guests",
                errors=[FieldError(f"{guest.prefix}sponsor", problem)],
            )
    return None


async def _invite(
    graph: GraphServiceClient,
    gateway: DirectoryGateway,
    settings: OnboardingSettings,
    guests: list[_Guest],
    errors: dict[int, GuestkeeperError],
) -> list[_Guest]:
    """Step 4: the invitations, paced; a guest whose invitation failed keeps that failure."""
    if not guests:
        return guests
    calls = [
        (f"i{n}", requests.invitation(graph, g.request, g.request.redirect_url or settings.redirect_url))
        for n, g in enumerate(guests)
    ]
    answers = await gateway.invite(graph, calls)
    for (key, _), guest in zip(calls, guests, strict=True):
        answer = answers[key]
        if isinstance(answer, GraphFailure):
            errors[guest.index] = answer
            log.warning("invitation failed: status=%s code=%s", answer.status, answer.code)
        else:
            guest.invited = answer
    return [g for g in guests if g.invited is not None]


async def _write(
    graph: GraphServiceClient, gateway: DirectoryGateway, guests: list[_Guest]
) -> list[tuple[_Guest, OnboardingResult, list[GraphFailure]]]:
    """Step 5: memberships and sponsors in one round of batches (retrying 404s of the new guest)."""
    calls = []
    for n, guest in enumerate(guests):
        assert guest.invited is not None
        user_id = guest.invited.user_id
        calls += [
            (f"m{n}-{i}", requests.add_member(graph, g, user_id)) for i, g in enumerate(guest.request.groups)
        ]
        if guest.request.sponsor:
            calls.append((f"s{n}", requests.add_sponsor(graph, user_id, guest.request.sponsor)))
    answers = await gateway.write(graph, calls) if calls else {}
    results = []
    for n, guest in enumerate(guests):
        assert guest.invited is not None
        groups, failures = [], []
        for i, group_id in enumerate(guest.request.groups):
            status, error = _reference_status(answers[f"m{n}-{i}"])
            if error is not None:
                failures.append(error)
                if isinstance(error, NotFound):
                    gateway.forget_group(group_id)  # it may be gone: the next request looks again
            groups.append(GroupOutcome(group_id, MembershipStatus(status), error.code if error else None))
        sponsor = None
        if guest.request.sponsor:
            status, error = _reference_status(answers[f"s{n}"])
            failures += [error] if error is not None else []
            status = "alreadySponsor" if status == "alreadyMember" else status
            sponsor = SponsorOutcome(
                guest.request.sponsor, SponsorStatus(status), error.code if error else None
            )
        result = OnboardingResult(
            created=False,
            invited=guest.invited,
            groups=tuple(groups),
            sponsor=sponsor,
            external_ref=guest.request.external_ref,
            override_recorded=guest.overridden is not None,
        )
        results.append((guest, result, failures))
    return results


def _reference_status(response: BatchResponse) -> tuple[str, GraphFailure | None]:
    if response.ok:
        return "added", None
    failure = response.failure()
    if isinstance(failure, AlreadyMember):
        return "alreadyMember", None
    return "failed", failure


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
