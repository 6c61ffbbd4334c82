"""One delivery of an HR callback message: complete, sign, POST; record what the host cannot tell.

The host retries a message whose function raised, up to ``maxDequeueCount`` deliveries, then moves
it to ``<queue>-poison``. So every failure is raised: a non-2xx answer (``CallbackRefused``), a
transport error, an invalid message (audited once, on its first delivery: it can never succeed).
The last allowed delivery writes a ``hr-callback``/``poisoned`` audit row with the reason; a
delivered callback writes ``hr-callback``/``delivered`` with the answer's status.

Each attempt is signed anew with the wall clock's time (``webhook-timestamp``): receivers refuse
timestamps outside a few minutes of their own clock, so a retry must not reuse the first one's.
The ``webhook-id`` stays the outcome's, so HR can drop a delivery it already processed. Nothing
logged or stored carries the URL (it may hold a token), the body or HR's reference.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

import azure.functions as func
import httpx
from standardwebhooks import Webhook

from shared.callbacks.deps import CallbackDeps
from shared.errors import ConfigurationError, GuestkeeperError
from shared.outcomes import InvalidOutcomeMessage, OutcomeMessage
from shared.state import AuditRecord

log = logging.getLogger(__name__)
ACTION = "hr-callback"
KEY_PREFIX = "hrcb-"


class CallbackRefused(GuestkeeperError):
    """HR answered with a status other than 2xx: the host delivers the message again."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HR answered {status}")
        self.status = status


async def deliver(deps: CallbackDeps, msg: func.QueueMessage) -> int:
    """Deliver one callback and return HR's status; raise (so the host retries, then poisons) on failure."""
    attempt = msg.dequeue_count or 1
    last = attempt >= deps.max_dequeue_count
    message: OutcomeMessage | None = None
    try:
        message = OutcomeMessage.parse(msg.get_body().decode("utf-8", errors="replace"))
        status = await post(deps, message)
    except Exception as exc:
        reason = failure_reason(exc)
        poison = deps.settings.poison_queue_name
        log.error(
            "HR callback %s failed on delivery %d of %d: %s%s",
            message.webhook_id if message else "unknown",
            attempt,
            deps.max_dequeue_count,
            reason,
            f"; moving to {poison}" if last else "; the host will retry",
        )
        await _record_failure(deps, msg, message, exc, reason, last)
        raise
    log.info(
        "HR callback %s (%s, guest %s) delivered: HTTP %d",
        message.webhook_id,
        message.kind,
        message.user_id,
        status,
    )
    await deps.audit.record_audit_once(
        [_record(deps, message, "delivered", f"{message.kind}: HTTP {status}", message.webhook_id)]
    )
    return status


async def post(deps: CallbackDeps, message: OutcomeMessage) -> int:
    """Complete HR's reference, sign the body as Standard Webhooks and POST it; 2xx or raise."""
    url = deps.settings.url
    if url is None:
        raise ConfigurationError(
            [("HR_CALLBACK_URL", "is not set, but a callback was enqueued while it was")]
        )
    if message.external_ref is None and message.user_id is not None:
        ref = await deps.records.external_ref_of(message.user_id)
        if ref is not None:
            message = message.with_external_ref(ref)
    body = message.body()
    now = datetime.now(UTC)  # the receiver's clock judges it, not the app's (tests move that one)
    headers = {
        "content-type": "application/json",
        "webhook-id": message.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(deps.secret.reveal()).sign(message.webhook_id, now, body),
    }
    response = await deps.http.post(url, content=body.encode(), headers=headers)
    if not 200 <= response.status_code < 300:
        raise CallbackRefused(response.status_code)
    return response.status_code


def failure_reason(exc: BaseException) -> str:
    """Why a delivery failed, safe to log and store (no URL, no body, no answer text)."""
    if isinstance(exc, InvalidOutcomeMessage | GuestkeeperError):
        return f"{type(exc).__name__}: {exc}"  # our own wording, never input
    if isinstance(exc, httpx.TransportError):
        return f"{type(exc).__name__}: HR could not be reached"
    return type(exc).__name__


async def _record_failure(
    deps: CallbackDeps,
    msg: func.QueueMessage,
    message: OutcomeMessage | None,
    exc: BaseException,
    reason: str,
    last: bool,
) -> None:
    """Audit an invalid message once, and the reason a message goes to the poison queue."""
    poison = deps.settings.poison_queue_name
    ident = message.webhook_id if message else _message_key(msg)
    records = []
    if isinstance(exc, InvalidOutcomeMessage):
        records.append(
            _record(deps, message, "invalid", f"{reason}; it can never succeed and goes to {poison}", ident)
        )
    if last:
        detail = f"{reason}; after delivery {msg.dequeue_count} the host moves it to {poison}"
        records.append(_record(deps, message, "poisoned", detail, ident))
    if not records:
        return
    try:
        await deps.audit.record_audit_once(records)
    except Exception as failure:  # the original error matters more: log, and let it propagate
        log.error("could not audit the failure of HR callback %s: %s", ident, failure_reason(failure))


def _record(
    deps: CallbackDeps, message: OutcomeMessage | None, outcome: str, detail: str, ident: str
) -> AuditRecord:
    """One keyed row per callback and outcome: a repeated delivery never duplicates it."""
    return AuditRecord(
        ACTION,
        outcome,
        deps.clock(),
        guest_id=message.user_id if message else None,
        detail=detail,
        key=f"{KEY_PREFIX}{ident}-{outcome}",
    )


def _message_key(msg: func.QueueMessage) -> str:
    """The queue message id (a GUID), or a digest of the body when there is none."""
    ident = msg.id or hashlib.sha256(msg.get_body()).hexdigest()[:32]
    return "".join(c for c in ident if c.isalnum() or c == "-")
