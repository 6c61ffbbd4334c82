"""From a signed HTTP delivery to a domain call: the signed envelope (``shared.webhooks.envelope``:
size, signature, media type, JSON, replay claim), then validation and onboarding. The webhook id
goes along: it keys the audit rows, so a redelivery of the same event never duplicates them. Each
guest's terminal outcome is published for HR (``outcomes``) before the envelope makes the claim final."""

from __future__ import annotations

import logging

from shared.errors import GuestkeeperError
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.models import BulkItem, BulkOutcome, OnboardingResult
from shared.onboarding.onboard import onboard_guest, onboard_guests
from shared.onboarding.outcomes import publish_outcomes
from shared.onboarding.validation import parse_bulk_request, parse_guest_request
from shared.webhooks.envelope import Delivery, signed_json

log = logging.getLogger("guestkeeper.onboarding")


async def receive_one(deps: OnboardingDeps, delivery: Delivery) -> OnboardingResult:
    """``POST /api/guests``."""
    async with signed_json(deps.envelope, delivery) as signed:
        request = parse_guest_request(signed.payload)
        try:
            result = await onboard_guest(deps, request, delivery=signed.webhook_id)
        except GuestkeeperError as error:
            item = BulkItem(0, request.external_ref, error=error)
            await publish_outcomes(deps, signed.webhook_id, [item])
            raise
        await publish_outcomes(deps, signed.webhook_id, [BulkItem(0, request.external_ref, result=result)])
        return result


async def receive_many(deps: OnboardingDeps, delivery: Delivery) -> BulkOutcome:
    """``POST /api/guests/batch``."""
    async with signed_json(deps.envelope, delivery) as signed:
        parsed = parse_bulk_request(signed.payload, max_guests=deps.settings.max_batch_guests)
        outcome = await onboard_guests(deps, parsed, delivery=signed.webhook_id)
        await publish_outcomes(deps, signed.webhook_id, outcome.items)
        done = sum(1 for item in outcome.items if item.result is not None)
        log.info(
            "bulk delivery: %d guests, %d onboarded, %d not",
            len(outcome.items),
            done,
            len(outcome.items) - done,
        )
        return outcome
