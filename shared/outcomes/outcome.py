"""An outcome, the callback body HR receives, and the queue message that carries it.

The body follows the Standard Webhooks payload convention, ``{"type", "timestamp", "data"}``;
``data`` holds object ids, HR's own ``externalRef`` and words (a refusal's reason), never an
address or a name: HR correlates by ``externalRef`` (or the ``userId`` its onboarding answer gave).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from shared.queue.message import encode_text

WEBHOOK_ID = re.compile(r"^msg_[0-9a-f]{32}$")
Detail = str | int | bool


class OutcomeKind(StrEnum):
    ONBOARDED = "guest.onboarded"
    REFUSED = "guest.refused"  # refused by policy (domain, group allowlist, redirect URL)
    COOLDOWN = "guest.cooldown"  # refused: a review denied the guest within the cool-down
    OFFBOARDED = "guest.offboarded"
    REMOVED_BY_REVIEW = "guest.removed-by-review"  # one group, after a reviewer's Deny
    DISABLED = "guest.disabled"  # no group left after a review
    DELETED = "guest.deleted"  # disabled for the grace period, then deleted
    INVITATION_EXPIRED = "guest.invitation-expired"  # never redeemed: removed from the managed groups


class InvalidOutcomeMessage(ValueError):
    """A callback queue message no retry can fix: it goes to the poison queue with this reason."""


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    at: datetime
    source: str  # the event this outcome answers, stable when the flow runs again (see webhook_id)
    user_id: str | None = None
    external_ref: str | None = None
    data: Mapping[str, Detail] = field(default_factory=dict)  # ids and words only

    @property
    def webhook_id(self) -> str:
        """The same for the same outcome of the same event, so HR can drop a duplicate delivery."""
        subject = self.user_id or self.external_ref or ""
        digest = hashlib.sha256(f"{self.kind.value}|{subject}|{self.source}".encode()).hexdigest()
        return f"msg_{digest[:32]}"

    def message(self) -> OutcomeMessage:
        data: dict[str, Detail] = {}
        if self.user_id is not None:
            data["userId"] = self.user_id
        if self.external_ref is not None:
            data["externalRef"] = self.external_ref
        body = {"type": self.kind.value, "timestamp": _timestamp(self.at), "data": data | dict(self.data)}
        return OutcomeMessage(self.webhook_id, body)


@dataclass(frozen=True)
class OutcomeMessage:
    """What the HR callback queue carries: the webhook id and the body to sign and send."""

    webhook_id: str
    payload: Mapping[str, Any]

    @property
    def kind(self) -> str:
        return str(self.payload["type"])

    @property
    def user_id(self) -> str | None:
        value = self.payload["data"].get("userId")
        return value if isinstance(value, str) else None

    @property
    def external_ref(self) -> str | None:
        value = self.payload["data"].get("externalRef")
        return value if isinstance(value, str) else None

    def with_external_ref(self, ref: str) -> OutcomeMessage:
        return replace(self, payload={**self.payload, "data": {**self.payload["data"], "externalRef": ref}})

    def body(self) -> str:
        """The exact text that is signed and sent."""
        return json.dumps(self.payload, separators=(",", ":"))

    def encode(self) -> str:
        """The text to put on the queue, in the host's ``messageEncoding``."""
        text = json.dumps({"webhookId": self.webhook_id, "payload": self.payload}, separators=(",", ":"))
        return encode_text(text)

    @classmethod
    def parse(cls, text: str) -> OutcomeMessage:
        """Parse the (already decoded) message body the queue trigger receives."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidOutcomeMessage("message body is not JSON") from exc
        if not isinstance(data, dict):
            raise InvalidOutcomeMessage("message body is not a JSON object")
        webhook_id, payload = data.get("webhookId"), data.get("payload")
        if not isinstance(webhook_id, str) or not WEBHOOK_ID.match(webhook_id):
            raise InvalidOutcomeMessage("webhookId must be msg_ and 32 hex digits")
        if not isinstance(payload, dict) or payload.get("type") not in set(OutcomeKind):
            raise InvalidOutcomeMessage("payload.type must be a known outcome")
        if not isinstance(payload.get("timestamp"), str) or not isinstance(payload.get("data"), dict):
            raise InvalidOutcomeMessage("payload needs a timestamp and a data object")
        return cls(webhook_id, payload)
