"""The Standard Webhooks section of ``shared.settings.Settings``: the shared secret and the clock skew.

Every signed HR endpoint (onboarding, offboarding) verifies with these, so the HR system holds one
secret for all of them; HR callbacks are signed with such a secret too (``webhook_key`` checks it).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from shared.config import Env, Secret


@dataclass(frozen=True)
class WebhookSettings:
    secret: Secret  # "whsec_" + base64, as Standard Webhooks defines it
    tolerance_seconds: int

    @classmethod
    def from_env(cls, env: Env) -> WebhookSettings:
        secret = env.secret("WEBHOOK_SECRET", required=True)
        if secret is not None and webhook_key(secret) is None:
            env.problem("WEBHOOK_SECRET", "must be 'whsec_' followed by base64 of at least 16 bytes")
        tolerance = env.integer("WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1, maximum=3600)
        return cls(secret=secret or Secret(""), tolerance_seconds=tolerance)


def webhook_key(secret: Secret) -> bytes | None:
    """The HMAC key of a Standard Webhooks secret, or None if it is not valid base64 of 16+ bytes."""
    text = secret.reveal().removeprefix("whsec_")
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) >= 16 else None
