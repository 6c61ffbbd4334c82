"""From a signed HTTP delivery to a domain call: the signed envelope (``shared.webhooks.envelope``:
size, signature, media type, JSON, replay claim), then validation and offboarding. The webhook id
goes along: it keys the audit rows, so a redelivery of the same event completes them."""

from __future__ import annotations

import logging

from shared.offboarding.deps import OffboardingDeps
from shared.offboarding.models import BulkOutcome, OffboardingResult
from shared.offboarding.offboard import offboard_guest, offboard_guests
from shared.offboarding.validation import parse_bulk_request, parse_offboard_request
from shared.webhooks.envelope import Delivery, signed_json

log = logging.getLogger("guestkeeper.offboarding")


async def receive_one(deps: OffboardingDeps, delivery: Delivery) -> OffboardingResult:
    """``POST /api/guests/offboard``."""
    async with signed_json(deps.envelope, delivery) as signed:
        return await offboard_guest(deps, parse_offboard_request(signed.payload), signed.webhook_id)


async def receive_many(deps: OffboardingDeps, delivery: Delivery) -> BulkOutcome:
    """``POST /api/guests/offboard/batch``."""
    async with signed_json(deps.envelope, delivery) as signed:
        parsed = parse_bulk_request(signed.payload, max_guests=deps.settings.max_batch_guests)
        outcome = await offboard_guests(deps, parsed, signed.webhook_id)
        done = sum(1 for item in outcome.items if item.result is not None)
        log.info(
            "bulk offboarding: %d guests, %d offboarded, %d not",
            len(outcome.items),
            done,
            len(outcome.items) - done,
        )
        return outcome
