"""Grace-period deletions: guests cleanup disabled long enough ago, and still without access, go.

Cleanup disables a denied guest left with no group and records the date (``disabled`` partition).
After ``GUEST_DELETE_GRACE_DAYS`` the pass checks each candidate again in Graph, batched: still a
disabled guest, still in no group? Then ``DELETE /users/{id}`` (batched; Entra keeps the user
restorable for 30 days). A guest who regained access (re-enabled, or a member of a group again) is
forgotten without deletion; a guest already gone is forgotten too. Each outcome is audited once
(stable keys), and each deletion published for HR, before the row is cleared, so a crash repeats a
check, never loses a record or a callback.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from msgraph.graph_service_client import GraphServiceClient

from shared.errors import Forbidden
from shared.graph.batch import BatchRequest, BatchResponse, RetryPolicy, send_batch
from shared.graph.requests import delete_user, member_groups, user_facts
from shared.outcomes import NO_OUTCOMES, Outcome, OutcomeKind, OutcomePublisher, publish_all
from shared.state import AuditRecord, AuditTrail, DisabledGuest, DisabledGuests

log = logging.getLogger(__name__)
ACTION = "guest-delete"


class Verdict(StrEnum):
    DELETE = "deleted"  # the audit outcome once the DELETE succeeded
    KEEP = "kept"  # regained access: forgotten, not deleted
    GONE = "already-deleted"
    FAILED = "failed"  # left for the next pass


@dataclass(frozen=True)
class GraceResult:
    candidates: int = 0
    deleted: tuple[str, ...] = ()  # guest ids deleted (in a dry run: that would be deleted)
    kept: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    dry_run: bool = False


Checked = dict[str, tuple[Verdict, str]]  # guest id -> verdict and a reason (never a name or address)


async def delete_expired_guests(
    graph: GraphServiceClient,
    disabled: DisabledGuests,
    audit: AuditTrail,
    *,
    now: dt.datetime,
    grace_days: int,
    dry_run: bool = False,
    retry: RetryPolicy | None = None,
    outcomes: OutcomePublisher = NO_OUTCOMES,
) -> GraceResult:
    """Delete the guests whose grace period is over; no Graph request when there are none."""
    candidates = await disabled.disabled_before(now - dt.timedelta(days=grace_days))
    if not candidates:
        return GraceResult(dry_run=dry_run)
    verdicts = await _check(graph, candidates, retry)
    doomed = [c.guest_id for c in candidates if verdicts[c.guest_id][0] is Verdict.DELETE]
    if doomed and not dry_run:
        verdicts |= await _delete(graph, doomed, retry)
    if not dry_run:
        await _settle(disabled, audit, outcomes, candidates, verdicts, now)
    deleted, kept, gone, failed = _split(verdicts)
    result = GraceResult(len(candidates), deleted, kept, gone, failed, dry_run)
    log.info(
        "governance: grace deletions%s: %d candidates, %d deleted, %d kept, %d already gone, %d failed",
        " [dry run]" if dry_run else "",
        result.candidates,
        len(result.deleted),
        len(result.kept),
        len(result.gone),
        len(result.failed),
    )
    return result


async def _check(
    graph: GraphServiceClient, candidates: Sequence[DisabledGuest], retry: RetryPolicy | None
) -> Checked:
    """One batched look-up per candidate pair: the user's facts and its group ids (``getMemberGroups``:
    transitive, but a user in no group directly is in none at all)."""
    requests: list[BatchRequest] = []
    for n, guest in enumerate(candidates):
        requests.append(BatchRequest(f"u{n}", user_facts(graph, guest.guest_id)))
        requests.append(BatchRequest(f"m{n}", member_groups(graph, guest.guest_id)))
    answers = await send_batch(graph, requests, policy=retry)
    return {g.guest_id: _verdict(answers[f"u{n}"], answers[f"m{n}"]) for n, g in enumerate(candidates)}


def _verdict(user: BatchResponse, groups: BatchResponse) -> tuple[Verdict, str]:
    for answer in (user, groups):
        if answer.status == 404:
            return Verdict.GONE, "the user no longer exists"
        if not answer.ok:
            return _failure(answer)
    facts = user.body if isinstance(user.body, Mapping) else {}
    if str(facts.get("userType") or "").casefold() != "guest":
        return Verdict.KEEP, "not a guest"
    if facts.get("accountEnabled") is not False:
        return Verdict.KEEP, "account enabled again"
    if (groups.body or {}).get("value"):
        return Verdict.KEEP, "member of a group again"
    return Verdict.DELETE, "disabled guest in no group after the grace period"


def _failure(answer: BatchResponse) -> tuple[Verdict, str]:
    failure = answer.failure()
    if isinstance(failure, Forbidden):
        raise failure  # a missing permission: fail the run loudly, not once per guest
    return Verdict.FAILED, f"Graph {failure.status} {failure.code}"


async def _delete(graph: GraphServiceClient, guest_ids: Sequence[str], retry: RetryPolicy | None) -> Checked:
    requests = [BatchRequest(f"d{n}", delete_user(graph, g)) for n, g in enumerate(guest_ids)]
    answers = await send_batch(graph, requests, policy=retry)
    outcome: Checked = {}
    for n, guest_id in enumerate(guest_ids):
        answer = answers[f"d{n}"]
        if answer.ok:
            outcome[guest_id] = (Verdict.DELETE, "deleted after the grace period")
        elif answer.status == 404:
            outcome[guest_id] = (Verdict.GONE, "the user no longer exists")
        else:
            outcome[guest_id] = _failure(answer)
    return outcome


async def _settle(
    disabled: DisabledGuests,
    audit: AuditTrail,
    outcomes: OutcomePublisher,
    candidates: Sequence[DisabledGuest],
    verdicts: Checked,
    now: dt.datetime,
) -> None:
    """Audit every outcome (one record per guest, disabled date and outcome), publish the deletions,
    then clear the final ones."""
    records = []
    deleted = []
    for guest in candidates:
        verdict, reason = verdicts[guest.guest_id]
        stamp = f"{guest.disabled_at.astimezone(dt.UTC):%Y%m%dT%H%M%S}"
        key = f"grace-{guest.guest_id}-{stamp}-{verdict.value}"
        records.append(
            AuditRecord(
                ACTION,
                verdict.value,
                now,
                guest.guest_id,
                instance_id=guest.instance_id,
                detail=reason,
                key=key,
            )
        )
        if verdict is Verdict.DELETE:
            deleted.append(
                Outcome(
                    OutcomeKind.DELETED,
                    now,
                    source=f"disabled:{stamp}",
                    user_id=guest.guest_id,
                    data={"instanceId": guest.instance_id},
                )
            )
    await audit.record_audit_once(records)
    await publish_all(outcomes, deleted)
    for guest in candidates:
        if verdicts[guest.guest_id][0] is not Verdict.FAILED:
            await disabled.clear_disabled(guest.guest_id)


def _split(verdicts: Checked) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    def of(kind: Verdict) -> tuple[str, ...]:
        return tuple(g for g, (v, _) in verdicts.items() if v is kind)

    return of(Verdict.DELETE), of(Verdict.KEEP), of(Verdict.GONE), of(Verdict.FAILED)
