"""The Standard Webhooks section: the secret's HMAC key."""

from __future__ import annotations

from shared.config import Secret
from shared.webhooks.settings import webhook_key
from tests.shared.conftest import SECRET


def test_webhook_key_accepts_unprefixed_and_unpadded_base64() -> None:
    assert webhook_key(Secret(SECRET)) == webhook_key(Secret(SECRET.removeprefix("whsec_").rstrip("=")))
    assert webhook_key(Secret("whsec_")) is None
