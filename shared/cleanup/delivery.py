"""One delivery of a cleanup queue message: parse, clean up, and record failures for the poison queue.

The host retries a message whose function raised, up to ``maxDequeueCount`` deliveries, then moves
it to ``<queue>-poison``. So every failure is raised, never swallowed:

- an invalid message (not JSON, bad ids, a group the instance does not review, an instance not
  finished) can never succeed: its reason is audited on the first delivery and it is raised, so
  the host moves it to the poison queue after the configured deliveries (no queue client needed);
- any other failure (Graph after its retries, the state table) is logged with the attempt number;
  on the last allowed delivery a ``message-failed``/``poisoned`` audit row records the reason.

Reasons name exception types and Graph status/code only: Graph's messages may quote input.
"""

from __future__ import annotations

import hashlib
import logging

import azure.functions as func

from shared.cleanup import audit
from shared.cleanup.audit import Action, Outcome
from shared.cleanup.deps import CleanupDeps
from shared.cleanup.round import CleanupResult, clean_up_instance
from shared.errors import GraphFailure, GuestkeeperError
from shared.queue.message import CleanupMessage, InvalidCleanupMessage
from shared.state import AuditRecord

log = logging.getLogger(__name__)


async def deliver(deps: CleanupDeps, msg: func.QueueMessage) -> CleanupResult:
    """Process one delivery; raise (so the host retries, then poisons) on any failure."""
    settings = deps.settings
    attempt = msg.dequeue_count or 1
    last = attempt >= settings.max_dequeue_count
    message: CleanupMessage | None = None
    try:
        message = CleanupMessage.parse(msg.get_body().decode("utf-8", errors="replace"))
        return await clean_up_instance(deps, message)
    except Exception as exc:
        reason = failure_reason(exc)
        log.error(
            "cleanup message %s (instance %s) failed on delivery %d of %d: %s%s",
            msg.id,
            message.instance_id if message else "unknown",
            attempt,
            settings.max_dequeue_count,
            reason,
            f"; moving to {settings.poison_queue_name}" if last else "; the host will retry",
        )
        await _record(deps, msg, message, exc, reason, last)
        raise


def failure_reason(exc: BaseException) -> str:
    """Why a delivery failed, safe to log and store (no Graph message text, no input echoed)."""
    if isinstance(exc, GraphFailure):
        return f"{type(exc).__name__}: Graph {exc.status} {exc.code}"
    if isinstance(exc, InvalidCleanupMessage | GuestkeeperError):
        return f"{type(exc).__name__}: {exc}"  # our own wording, never input
    return type(exc).__name__


async def _record(
    deps: CleanupDeps,
    msg: func.QueueMessage,
    message: CleanupMessage | None,
    exc: BaseException,
    reason: str,
    last: bool,
) -> None:
    """Audit an invalid message once, and the reason a message goes to the poison queue."""
    poison = deps.settings.poison_queue_name
    outcomes: list[tuple[Outcome, str, str]] = []  # outcome, key suffix, detail
    if isinstance(exc, InvalidCleanupMessage):
        outcomes.append((Outcome.INVALID, "invalid", f"{reason}; it can never succeed and goes to {poison}"))
    if last:
        detail = f"{reason}; after delivery {msg.dequeue_count} the host moves it to {poison}"
        outcomes.append((Outcome.POISONED, "poison", detail))
    if not outcomes:
        return
    instance_id = message.instance_id if message else None
    group_id = message.group_id if message else None
    prefix = audit.prefix(instance_id) if instance_id else audit.KEY_PREFIX + "message-"
    key = f"{prefix}{_message_key(msg)}-"
    now = deps.clock()
    records = [
        AuditRecord(
            Action.FAILED,
            outcome,
            now,
            group_id=group_id,
            instance_id=instance_id,
            detail=detail,
            key=key + suffix,
        )
        for outcome, suffix, detail in outcomes
    ]
    try:
        await deps.audit.record_audit_once(records)
    except Exception as failure:  # the original error matters more: log, and let it propagate
        log.error("could not audit the failure of cleanup message %s: %s", msg.id, failure_reason(failure))


def _message_key(msg: func.QueueMessage) -> str:
    """The queue message id (a GUID), or a digest of the body when there is none."""
    ident = msg.id or hashlib.sha256(msg.get_body()).hexdigest()[:32]
    return "".join(c for c in ident if c.isalnum() or c == "-")
