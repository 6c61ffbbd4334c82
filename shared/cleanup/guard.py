"""The mass-removal guard: a round whose denials exceed the allowed share stops before any change.

Its terminal audit record completes the message and leaves the round open for an operator, whose
release (``python -m shared.audit release-guard``) lets the next delivery proceed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime

from shared.cleanup import audit
from shared.cleanup.audit import Action, Outcome
from shared.cleanup.decisions import DecisionTally
from shared.cleanup.settings import CleanupSettings
from shared.queue.message import CleanupMessage
from shared.state import AuditRecord, AuditTrail

log = logging.getLogger(__name__)


def trips(settings: CleanupSettings, tally: DecisionTally) -> bool:
    """True when denials exceed the allowed share of a round big enough for the guard to apply."""
    if tally.total < settings.guard_min_decisions:
        return False
    return tally.denials > settings.max_denial_share * tally.total


def reason(settings: CleanupSettings, tally: DecisionTally) -> str:
    return (
        f"{tally.denials} of {tally.total} decisions are Deny, more than the allowed share "
        f"{settings.max_denial_share:g} (CLEANUP_MAX_DENIAL_SHARE); nothing was changed"
    )


async def stop(
    trail: AuditTrail, message: CleanupMessage, settings: CleanupSettings, tally: DecisionTally, now: datetime
) -> None:
    """The guard's terminal record: the message completes, the round stays open for an operator."""
    why = reason(settings, tally)
    record = audit.round_record(
        message,
        Action.GUARD,
        Outcome.STOPPED,
        now,
        "guard",
        detail=detail(message, why, tally.counts()),
        dry_run=settings.dry_run,
    )
    await trail.record_audit_once([record])
    log.warning(
        "cleanup instance=%s group=%s: stopped by the mass-removal guard: %s",
        message.instance_id,
        message.group_id,
        why,
    )


def detail(message: CleanupMessage, why: str, decisions: Mapping[str, int]) -> str:
    """Why the guard stopped the round, with what an operator needs to re-enqueue it."""
    body = {"reason": why, "definitionId": message.definition_id, "decisions": dict(decisions)}
    return json.dumps(body, separators=(",", ":"))


def released(records: Iterable[AuditRecord]) -> bool:
    return any(r.action == Action.GUARD_RELEASE for r in records)


async def release(trail: AuditTrail, instance_id: str, *, why: str, now: datetime) -> AuditRecord:
    """An operator's go-ahead for a round the guard stopped; its next delivery proceeds.

    Written once per round (the first release and its reason are kept). The round is not
    checkpointed, but the governance sweep never enqueues a round twice: re-enqueue it.
    """
    record = AuditRecord(
        Action.GUARD_RELEASE,
        Outcome.RELEASED,
        now,
        instance_id=instance_id,
        detail=why,
        key=audit.key(instance_id, "guard-release"),
    )
    await trail.record_audit_once([record])
    return record
