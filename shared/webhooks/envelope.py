"""A signed HR delivery, from bytes to a JSON value: size, signature, media type, JSON, replay claim.

Order: 413 (size), 401 (signature), 415 (media type), 400 (JSON), 409 (webhook id seen before);
then the endpoint validates the fields and does its work inside ``signed_json``. The webhook id is
claimed atomically before that work; the claim is kept when the answer is final (2xx or 4xx) and
released when it is not (5xx), so the sender's retry with the same id completes the work instead of
being refused as a replay.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.errors import (
    DuplicateKey,
    MalformedRequest,
    PayloadTooLarge,
    RequestRefused,
    StateUnavailable,
    UnsupportedMediaType,
    WebhookReplayed,
)
from shared.state import Claim, WebhookClaims
from shared.webhooks.settings import WebhookSettings
from shared.webhooks.signature import verify

log = logging.getLogger("guestkeeper.webhooks")
SAFE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: Mapping[str, str]  # names in lower case

    @classmethod
    def of(cls, body: bytes, headers: Mapping[str, str]) -> Delivery:
        return cls(body, {k.lower(): v for k, v in headers.items()})


@dataclass(frozen=True)
class Envelope:
    """What every signed endpoint checks a delivery with."""

    webhook: WebhookSettings
    claims: WebhookClaims
    clock: Callable[[], datetime]
    max_body_bytes: int


@dataclass(frozen=True)
class Signed:
    """A verified, claimed delivery: its JSON value and its webhook id (the sender's event id)."""

    payload: Any
    webhook_id: str


@asynccontextmanager
async def signed_json(envelope: Envelope, delivery: Delivery) -> AsyncIterator[Signed]:
    """The delivery's JSON, once verified and claimed; the claim is settled by how the block ends."""
    limit = envelope.max_body_bytes
    if len(delivery.body) > limit:
        raise PayloadTooLarge(f"The body is {len(delivery.body)} bytes; the limit is {limit}.")
    now = envelope.clock()
    verified = verify(delivery.body, delivery.headers, envelope.webhook, now=now)
    _check_media_type(delivery.headers.get("content-type", ""))
    payload = _parse_json(delivery.body)
    webhook_id = verified.webhook_id
    claims = envelope.claims
    claim = await claims.claim_webhook(webhook_id, now=now)
    if claim is not Claim.CLAIMED:
        log.info("delivery %s refused: %s", loggable(webhook_id), claim.value)
        raise WebhookReplayed(await _replay_detail(claims, webhook_id, claim))
    try:
        yield Signed(payload, webhook_id)
    except RequestRefused as refusal:
        await claims.finish_webhook(webhook_id, status=refusal.status, now=envelope.clock())
        log.info("delivery %s refused: %s", loggable(webhook_id), refusal.slug)
        raise
    except BaseException:
        with suppress(StateUnavailable):
            await claims.release_webhook(webhook_id)
        raise
    await claims.finish_webhook(webhook_id, status=200, now=envelope.clock())


def loggable(webhook_id: str) -> str:
    """A webhook id is the sender's correlation id; one that does not look like an id is not logged."""
    return webhook_id if SAFE_ID.match(webhook_id) else "<unprintable-id>"


async def _replay_detail(claims: WebhookClaims, webhook_id: str, claim: Claim) -> str:
    """Say what became of the first delivery, so a sender that lost that answer knows where it stands."""
    if claim is Claim.IN_PROGRESS:
        return "A delivery with this webhook-id is being processed; send new events with a new id."
    status = await claims.webhook_status(webhook_id)
    answered = ""
    if status is not None:
        answered = " (it succeeded)" if status < 400 else f" (it was refused with {status})"
    return f"A delivery with this webhook-id was already processed{answered}; send new events with a new id."


def _check_media_type(value: str) -> None:
    media, _, params = value.partition(";")
    charset = params.strip().lower()
    if media.strip().lower() != "application/json" or charset not in ("", "charset=utf-8", 'charset="utf-8"'):
        raise UnsupportedMediaType("Send the body as application/json (UTF-8).")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        name = _first_repeated(k for k, _ in pairs)
        shown = f"'{name}'" if SAFE_ID.match(name) else "a member name"
        raise DuplicateKey(f"The body names {shown} more than once in one object; send each name once.")
    return obj


def _first_repeated(names: Iterable[str]) -> str:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    raise AssertionError("no name is repeated")


def _parse_json(body: bytes) -> Any:
    """Strict JSON: no NaN or Infinity, and no member named twice in one object."""
    try:
        text = body.decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_members)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedRequest(f"The body is not valid UTF-8 JSON ({type(exc).__name__}).") from None
