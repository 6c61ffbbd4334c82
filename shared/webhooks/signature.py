"""Standard Webhooks signature verification (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``).

Equivalent to ``standardwebhooks.Webhook.verify`` (HMAC-SHA256 over ``{id}.{timestamp}.{body}``,
``v1,<base64>`` signatures, several allowed, compared in constant time) with two differences the app
needs: the tolerance comes from settings, and "now" is injected so tests are exact. The library
hard-codes five minutes and the wall clock. Replay refusal (ids seen before) lives in the state table.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.errors import ConfigurationError, FieldError, SignatureRejected
from shared.webhooks.settings import WebhookSettings, webhook_key

HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
WEBHOOK_ID = re.compile(r"^[\x21-\x7e]{1,256}$")
TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class VerifiedDelivery:
    webhook_id: str
    timestamp: datetime


def sign(secret_key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature for a delivery (what a sender puts in ``webhook-signature``)."""
    digest = hmac.new(secret_key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    body: bytes, headers: Mapping[str, str], settings: WebhookSettings, *, now: datetime
) -> VerifiedDelivery:
    """Check the three headers, the timestamp window and the signature; raise ``SignatureRejected``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    missing = [name for name in HEADERS if not lowered.get(name, "").strip()]
    if missing:
        raise SignatureRejected(
            "The request is not signed: Standard Webhooks headers are missing.",
            slug="signature-missing",
            title="Webhook signature missing",
            errors=[FieldError(f"header:{name}", "is required") for name in missing],
        )
    webhook_id = lowered["webhook-id"].strip()
    stamp = lowered["webhook-timestamp"].strip()
    if not WEBHOOK_ID.match(webhook_id) or not TIMESTAMP.match(stamp):
        raise SignatureRejected(
            "The webhook-id or webhook-timestamp header is malformed.",
            errors=[
                FieldError("header:webhook-timestamp", "must be Unix seconds; webhook-id printable ASCII")
            ],
        )
    sent = int(stamp)
    skew = abs(now.timestamp() - sent)
    if skew > settings.tolerance_seconds:
        raise SignatureRejected(
            f"The webhook timestamp is outside the {settings.tolerance_seconds} s tolerance.",
            slug="signature-expired",
            title="Webhook timestamp outside tolerance",
        )
    key = webhook_key(settings.secret)
    if key is None:  # Settings.from_env refuses this; a hand-built Settings might not
        raise ConfigurationError([("WEBHOOK_SECRET", "is not a valid Standard Webhooks secret")])
    expected = base64.b64decode(sign(key, webhook_id, sent, body).split(",", 1)[1])
    if not any(
        hmac.compare_digest(expected, given) for given in _v1_signatures(lowered["webhook-signature"])
    ):
        raise SignatureRejected("No webhook signature matches the body.", title="Webhook signature invalid")
    return VerifiedDelivery(webhook_id=webhook_id, timestamp=datetime.fromtimestamp(sent, UTC))


def _v1_signatures(header: str) -> list[bytes]:
    """Decoded ``v1`` signatures from a space-separated header; malformed entries are skipped."""
    found: list[bytes] = []
    for entry in header.split():
        version, _, value = entry.partition(",")
        if version != "v1" or not value:
            continue
        try:
            found.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found
