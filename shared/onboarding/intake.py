"""From a signed HTTP delivery to a domain call: size, signature, media type, JSON, replay claim.

Order: 413 (size), 401 (signature), 415 (media type), 400 (JSON), 409 (webhook id seen before),
then validation and the domain. The webhook id is claimed atomically before processing; the
claim is kept when the answer is final (2xx or 4xx) and released when it is not (5xx), so the
sender's retry with the same id completes the work instead of being refused as a replay. Each
guest's terminal outcome is published for HR (``outcomes``) before the claim is made final.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from shared.errors import (
    GuestkeeperError,
    MalformedRequest,
    PayloadTooLarge,
    RequestRefused,
    StateUnavailable,
    UnsupportedMediaType,
    WebhookReplayed,
)
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.models import BulkItem, BulkOutcome, OnboardingResult
from shared.onboarding.onboard import onboard_guest, onboard_guests
from shared.onboarding.outcomes import publish_outcomes
from shared.onboarding.signature import verify
from shared.onboarding.validation import parse_bulk_request, parse_guest_request
from shared.state import Claim, WebhookClaims

log = logging.getLogger("guestkeeper.onboarding")
SAFE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: Mapping[str, str]  # names in lower case

    @classmethod
    def of(cls, body: bytes, headers: Mapping[str, str]) -> Delivery:
        return cls(body, {k.lower(): v for k, v in headers.items()})


async def receive_one(deps: OnboardingDeps, delivery: Delivery) -> OnboardingResult:
    """``POST /api/guests``."""
    async with _signed_json(deps, delivery) as (payload, webhook_id):
        request = parse_guest_request(payload)
        try:
            result = await onboard_guest(deps, request)
        except GuestkeeperError as error:
            await publish_outcomes(deps, webhook_id, [BulkItem(0, request.external_ref, error=error)])
            raise
        await publish_outcomes(deps, webhook_id, [BulkItem(0, request.external_ref, result=result)])
        return result


async def receive_many(deps: OnboardingDeps, delivery: Delivery) -> BulkOutcome:
    """``POST /api/guests/batch``."""
    async with _signed_json(deps, delivery) as (payload, webhook_id):
        parsed = parse_bulk_request(payload, max_guests=deps.settings.max_batch_guests)
        outcome = await onboard_guests(deps, parsed)
        await publish_outcomes(deps, webhook_id, outcome.items)
        done = sum(1 for item in outcome.items if item.result is not None)
        log.info(
            "bulk delivery: %d guests, %d onboarded, %d not",
            len(outcome.items),
            done,
            len(outcome.items) - done,
        )
        return outcome


async def _replay_detail(claims: WebhookClaims, webhook_id: str, claim: Claim) -> str:
    """Say what became of the first delivery, so a sender that lost that answer knows where it stands."""
    if claim is Claim.IN_PROGRESS:
        return "A delivery with this webhook-id is being processed; send new events with a new id."
    status = await claims.webhook_status(webhook_id)
    answered = ""
    if status is not None:
        answered = " (it succeeded)" if status < 400 else f" (it was refused with {status})"
    return f"A delivery with this webhook-id was already processed{answered}; send new events with a new id."


@asynccontextmanager
async def _signed_json(deps: OnboardingDeps, delivery: Delivery) -> AsyncIterator[tuple[Any, str]]:
    """The verified delivery's JSON and webhook id, inside its replay claim."""
    limit = deps.settings.max_body_bytes
    if len(delivery.body) > limit:
        raise PayloadTooLarge(f"The body is {len(delivery.body)} bytes; the limit is {limit}.")
    now = deps.clock()
    verified = verify(delivery.body, delivery.headers, deps.webhook, now=now)
    _check_media_type(delivery.headers.get("content-type", ""))
    payload = _parse_json(delivery.body)
    webhook_id = verified.webhook_id
    claims = deps.claims
    claim = await claims.claim_webhook(webhook_id, now=now)
    if claim is not Claim.CLAIMED:
        log.info("delivery %s refused: %s", _loggable(webhook_id), claim.value)
        raise WebhookReplayed(await _replay_detail(claims, webhook_id, claim))
    try:
        yield payload, webhook_id
    except RequestRefused as refusal:
        await claims.finish_webhook(webhook_id, status=refusal.status, now=deps.clock())
        log.info("delivery %s refused: %s", _loggable(webhook_id), refusal.slug)
        raise
    except BaseException:
        with suppress(StateUnavailable):
            await claims.release_webhook(webhook_id)
        raise
    await claims.finish_webhook(webhook_id, status=200, now=deps.clock())


def _check_media_type(value: str) -> None:
    media, _, params = value.partition(";")
    charset = params.strip().lower()
    if media.strip().lower() != "application/json" or charset not in ("", "charset=utf-8", 'charset="utf-8"'):
        raise UnsupportedMediaType("Send the body as application/json (UTF-8).")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedRequest(f"The body is not valid UTF-8 JSON ({type(exc).__name__}).") from None


def _loggable(webhook_id: str) -> str:
    """A webhook id is the sender's correlation id; one that does not look like an id is not logged."""
    return webhook_id if SAFE_ID.match(webhook_id) else "<unprintable-id>"
