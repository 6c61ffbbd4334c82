"""Invitations never redeemed: one reminder, then expiry (docs/governance.md, "Pending invitations").

Among Guestkeeper's guests whose invitation is still pending (``pending``), one pending for
``INVITE_REMIND_AFTER_DAYS`` gets one reminder: ``POST /invitations`` again for its address with
``sendInvitationMessage: true``; Graph answers with the existing user and sends the invitation
e-mail again (``resetRedemption`` is for guests who already redeemed, not these). One pending for
``INVITE_EXPIRE_AFTER_DAYS`` expires: it is removed from the managed groups
(``ONBOARDING_ALLOWED_GROUP_IDS``) and deleted (restorable for 30 days), unless groups Guestkeeper
does not manage keep its account.

Reminders go as paced ``$batch`` items (the worker's invitation pacer, shared with onboarding);
look-ups, removals and deletions 20 to a ``$batch``. Every reminder and expiry is audited once with
a stable key and marked in the state table, so a reminder is sent once per pending period; an
expiry is marked as begun before its writes, so a pass cut off half-way is completed, audited and
reported to HR by the next one. A dry run reads (the list, the marks, the groups of those expiring)
and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.models.invitation import Invitation
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import Forbidden
from shared.governance.deps import GovernanceDeps
from shared.governance.pending import PendingGuest, find_pending
from shared.governance.settings import GovernanceSettings
from shared.graph.batch import MAX_BATCH, BatchRequest, BatchResponse, send_batch
from shared.graph.pacing import window_filling_sizes
from shared.graph.requests import delete_user, member_groups, remove_member
from shared.outcomes import Outcome, OutcomeKind, publish_all
from shared.state import AuditRecord, InvitationMark

log = logging.getLogger(__name__)
REMIND = "invitation-reminder"
EXPIRE = "invitation-expiry"


class Expiry(StrEnum):
    DELETED = "deleted"  # removed from the managed groups, then deleted
    KEPT = "kept-other-groups"  # removed from the managed groups; other groups keep the account
    GONE = "already-deleted"  # someone else deleted it first
    REDEEMED = "redeemed"  # accepted while an interrupted expiry was under way: not deleted
    FAILED = "failed"  # left for the next pass


@dataclass(frozen=True)
class InvitationsResult:
    pending: int = 0  # Guestkeeper's guests whose invitation is pending
    reminded: tuple[str, ...] = ()  # guest ids (in a dry run: that would be reminded)
    remind_failed: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()  # deleted (in a dry run: that would be)
    kept: tuple[str, ...] = ()  # removed from the managed groups, account kept
    expire_failed: tuple[str, ...] = ()
    dry_run: bool = False


@dataclass(frozen=True)
class Expiring:
    """A guest whose expiry this pass carries out (or completes, ``pending`` False)."""

    mark: InvitationMark  # what the state table will hold while and after it expires
    external_ref: str | None
    pending: bool  # still in the pending list; False: an interrupted expiry, the guest gone from it

    @property
    def guest_id(self) -> str:
        return self.mark.guest_id


Verdicts = dict[str, tuple[Expiry, str]]  # guest id -> outcome and a reason (ids and counts only)


async def handle_pending_invitations(
    deps: GovernanceDeps, *, now: dt.datetime, dry_run: bool
) -> InvitationsResult:
    """Remind and expire; no request at all while both ``INVITE_*`` settings are 0."""
    settings = deps.settings
    if not (settings.remind_after_days or settings.expire_after_days):
        return InvitationsResult(dry_run=dry_run)
    pending = await find_pending(deps.graph, deps.records)
    marks = await deps.invitations.marks()
    expiring, reminding = due(pending, marks, settings, now)
    sent, failed = await _remind(deps, reminding, dry_run)
    verdicts = await _expire(deps, expiring, now, dry_run)
    if not dry_run:
        await _settle(deps, pending, marks, expiring, sent, failed, verdicts, now)
    result = InvitationsResult(
        pending=len(pending),
        reminded=tuple(g.guest_id for g in sent),
        remind_failed=tuple(g.guest_id for g, _ in failed),
        expired=_of(verdicts, Expiry.DELETED),
        kept=_of(verdicts, Expiry.KEPT),
        expire_failed=_of(verdicts, Expiry.FAILED),
        dry_run=dry_run,
    )
    log.info(
        "governance: pending invitations%s: %d pending, %d reminded, %d expired, %d kept, %d failed",
        " [dry run]" if dry_run else "",
        result.pending,
        len(result.reminded),
        len(result.expired),
        len(result.kept),
        len(result.remind_failed) + len(result.expire_failed),
    )
    return result


def due(
    pending: Sequence[PendingGuest],
    marks: Mapping[str, InvitationMark],
    settings: GovernanceSettings,
    now: dt.datetime,
) -> tuple[list[Expiring], list[PendingGuest]]:
    """Who expires and who is reminded now. A mark counts for the pending period it was made in (a
    reset invitation starts a new one); an expiry begun but not finished is always completed."""
    expiring: list[Expiring] = []
    reminding: list[PendingGuest] = []
    listed = {g.guest_id for g in pending}
    for guest in pending:
        earlier = marks.get(guest.guest_id)
        same = earlier if earlier is not None and earlier.pending_since == guest.since else None
        mark = same or InvitationMark(guest.guest_id, guest.since)
        age = guest.age_days(now)
        if settings.expire_after_days and age >= settings.expire_after_days:
            if mark.expired_at is None:
                expiring.append(Expiring(mark, guest.external_ref, pending=True))
        elif settings.remind_after_days and age >= settings.remind_after_days and mark.reminded_at is None:
            reminding.append(guest)
    for mark in marks.values():
        if mark.guest_id not in listed and mark.expiring_at is not None and mark.expired_at is None:
            expiring.append(Expiring(mark, None, pending=False))
    return expiring, reminding


def reminder(graph: GraphServiceClient, address: str, redirect_url: str) -> RequestInformation:
    """``POST /invitations`` for an address that already has a (pending) guest: the e-mail again."""
    body = Invitation(
        invited_user_email_address=address,
        invite_redirect_url=redirect_url,
        send_invitation_message=True,
        invited_user_type="Guest",
    )
    return graph.invitations.to_post_request_information(body)


async def _remind(
    deps: GovernanceDeps, guests: Sequence[PendingGuest], dry_run: bool
) -> tuple[list[PendingGuest], list[tuple[PendingGuest, str]]]:
    """The reminders, paced as onboarding's invitations are: those sent, those failed (with why)."""
    if not guests or dry_run:
        return list(guests), []
    requests = [
        BatchRequest(f"i{n}", reminder(deps.graph, g.address, deps.redirect_url), paced=True)
        for n, g in enumerate(guests)
    ]
    sizes = window_filling_sizes(deps.pacer.limit, MAX_BATCH)
    answers = await send_batch(deps.graph, requests, policy=deps.retry, limiter=deps.pacer, sizes=sizes)
    sent: list[PendingGuest] = []
    failed: list[tuple[PendingGuest, str]] = []
    for n, guest in enumerate(guests):
        answer = answers[f"i{n}"]
        if not answer.ok:
            failed.append((guest, _failure(answer)))
        elif _invited_user(answer) != guest.guest_id:
            failed.append((guest, "the invitation answered with another user"))
        else:
            sent.append(guest)
    return sent, failed


def _invited_user(answer: BatchResponse) -> str | None:
    body = answer.body if isinstance(answer.body, Mapping) else {}
    user = body.get("invitedUser")
    return str(user.get("id")) if isinstance(user, Mapping) else None


def _failure(answer: BatchResponse) -> str:
    failure = answer.failure()
    if isinstance(failure, Forbidden):
        raise failure  # a missing permission: fail the pass loudly, not once per guest
    return f"Graph {failure.status} {failure.code}"


async def _expire(
    deps: GovernanceDeps, expiring: Sequence[Expiring], now: dt.datetime, dry_run: bool
) -> Verdicts:
    """Look up each one's groups; remove it from the managed ones; delete it when none is left."""
    if not expiring:
        return {}
    if not dry_run:  # begun: a pass cut off after the writes below still records them
        await deps.invitations.save_marks(
            replace(e.mark, expiring_at=e.mark.expiring_at or now) for e in expiring
        )
    graph, retry = deps.graph, deps.retry
    looked = await send_batch(
        graph,
        [BatchRequest(f"m{n}", member_groups(graph, e.guest_id)) for n, e in enumerate(expiring)],
        policy=retry,
    )
    verdicts: Verdicts = {}
    groups: dict[str, frozenset[str]] = {}
    for n, item in enumerate(expiring):
        answer = looked[f"m{n}"]
        if answer.status == 404:
            verdicts[item.guest_id] = (
                (Expiry.GONE, "the user no longer exists")
                if item.pending
                else (Expiry.DELETED, "deleted by an earlier pass that was cut off")
            )
        elif not answer.ok:
            verdicts[item.guest_id] = (Expiry.FAILED, _failure(answer))
        elif not item.pending:
            verdicts[item.guest_id] = (Expiry.REDEEMED, "no longer pending: the invitation was redeemed")
        else:
            body = answer.body if isinstance(answer.body, Mapping) else {}
            groups[item.guest_id] = frozenset(str(g).lower() for g in body.get("value") or [])
    managed = {g: groups[g] & deps.managed_groups for g in groups}
    if not dry_run:
        verdicts |= await _remove(deps, managed)
    doomed = [g for g in groups if g not in verdicts and not groups[g] - deps.managed_groups]
    if doomed and not dry_run:
        verdicts |= await _delete(deps, doomed, managed)
    for guest_id in groups:
        others = len(groups[guest_id] - deps.managed_groups)
        removed = f"removed from {len(managed[guest_id])} managed group(s)"
        if guest_id not in verdicts:
            verdicts[guest_id] = (
                (Expiry.DELETED, f"{removed}, deleted")
                if not others
                else (Expiry.KEPT, f"{removed}; {others} other group(s) keep the account")
            )
    return verdicts


async def _remove(deps: GovernanceDeps, managed: Mapping[str, frozenset[str]]) -> Verdicts:
    """``DELETE .../members/{id}/$ref`` for each managed group a guest is in; 404 is already done."""
    pairs = [(guest, group) for guest, groups in managed.items() for group in sorted(groups)]
    if not pairs:
        return {}
    requests = [
        BatchRequest(f"r{n}", remove_member(deps.graph, group, guest))
        for n, (guest, group) in enumerate(pairs)
    ]
    answers = await send_batch(deps.graph, requests, policy=deps.retry)
    failed: Verdicts = {}
    for n, (guest, _) in enumerate(pairs):
        answer = answers[f"r{n}"]
        if not answer.ok and answer.status != 404:
            failed[guest] = (Expiry.FAILED, _failure(answer))
    return failed


async def _delete(
    deps: GovernanceDeps, guest_ids: Sequence[str], managed: Mapping[str, frozenset[str]]
) -> Verdicts:
    requests = [BatchRequest(f"d{n}", delete_user(deps.graph, g)) for n, g in enumerate(guest_ids)]
    answers = await send_batch(deps.graph, requests, policy=deps.retry)
    out: Verdicts = {}
    for n, guest_id in enumerate(guest_ids):
        answer = answers[f"d{n}"]
        if answer.status == 404:
            out[guest_id] = (Expiry.GONE, "the user no longer exists")
        elif not answer.ok:
            out[guest_id] = (Expiry.FAILED, _failure(answer))
    return out


async def _settle(
    deps: GovernanceDeps,
    pending: Sequence[PendingGuest],
    marks: Mapping[str, InvitationMark],
    expiring: Sequence[Expiring],
    sent: Sequence[PendingGuest],
    failed: Sequence[tuple[PendingGuest, str]],
    verdicts: Verdicts,
    now: dt.datetime,
) -> None:
    """Audit every reminder and expiry, tell HR about expiries, then mark and forget: a crash before
    the marks repeats work whose audit rows and callbacks keep their keys."""
    records = [_reminder_record(g, "sent", None, now) for g in sent]
    records += [_reminder_record(g, "failed", why, now) for g, why in failed]
    by_id = {e.guest_id: e for e in expiring}
    for guest_id, (verdict, why) in verdicts.items():
        mark = by_id[guest_id].mark
        key = f"invite-{guest_id}-{_stamp(mark.pending_since)}-expire-{verdict.value}"
        records.append(AuditRecord(EXPIRE, verdict.value, now, guest_id, detail=why, key=key))
    await deps.audit.record_audit_once(records)
    await publish_all(deps.outcomes, _outcomes(by_id, verdicts, now))
    saved = [InvitationMark(g.guest_id, g.since, reminded_at=now) for g in sent]
    saved += [replace(by_id[g].mark, expired_at=now) for g, (v, _) in verdicts.items() if v is Expiry.KEPT]
    await deps.invitations.save_marks(saved)
    listed = {g.guest_id for g in pending}
    done = {g for g, (v, _) in verdicts.items() if v in (Expiry.DELETED, Expiry.GONE, Expiry.REDEEMED)}
    unfinished = {g for g, (v, _) in verdicts.items() if v is Expiry.FAILED}
    await deps.invitations.forget(({g for g in marks if g not in listed} - unfinished) | done)


def _outcomes(by_id: Mapping[str, Expiring], verdicts: Verdicts, now: dt.datetime) -> Iterable[Outcome]:
    """HR hears of every expiry that removed the guest's access: deleted, or kept by other groups."""
    for guest_id, (verdict, _) in verdicts.items():
        if verdict not in (Expiry.DELETED, Expiry.KEPT):
            continue
        item = by_id[guest_id]
        since = (
            item.mark.pending_since.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        )
        yield Outcome(
            OutcomeKind.INVITATION_EXPIRED,
            now,
            source=f"invitation-pending-since:{since}",
            user_id=guest_id,
            external_ref=item.external_ref,
            data={"accountDeleted": verdict is Expiry.DELETED, "pendingSince": since},
        )


def _reminder_record(guest: PendingGuest, outcome: str, why: str | None, now: dt.datetime) -> AuditRecord:
    key = f"invite-{guest.guest_id}-{_stamp(guest.since)}-remind-{outcome}"
    return AuditRecord(REMIND, outcome, now, guest.guest_id, detail=why, key=key)


def _stamp(at: dt.datetime) -> str:
    return f"{at.astimezone(dt.UTC):%Y%m%dT%H%M%S}"


def _of(verdicts: Verdicts, kind: Expiry) -> tuple[str, ...]:
    return tuple(g for g, (v, _) in verdicts.items() if v is kind)
