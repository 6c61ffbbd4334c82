"""The state table's rows as values: callers pass and receive these, never table entities.

``address_hash`` lives here because it is the onboarding record's key: an address is never stored.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

ADDRESS_SALT = b"guestkeeper/address/v1\x00"
# The review instance id an offboarding records its denial (the cool-down) and disabled date under:
# HR ended the contract, no review did.
OFFBOARDING = "offboarding"


def address_hash(address: str) -> str:
    """The key of an onboarding record: never the address itself."""
    return hashlib.sha256(ADDRESS_SALT + address.strip().lower().encode()).hexdigest()


class Claim(Enum):
    CLAIMED = "claimed"
    REPLAYED = "replayed"  # done or refused before
    IN_PROGRESS = "in-progress"  # another delivery with this id is being processed


@dataclass(frozen=True)
class OnboardingRecord:
    address_hash: str
    guest_id: str
    created_at: datetime
    external_ref: str | None = None  # HR's id for the guest, the correlation key of HR callbacks


@dataclass(frozen=True)
class InvitationMark:
    """What the governance run did about a guest's pending invitation, for one pending period."""

    guest_id: str
    pending_since: datetime
    reminded_at: datetime | None = None
    expiring_at: datetime | None = None  # the expiry's writes began: completed by a later pass if cut off
    expired_at: datetime | None = None


@dataclass(frozen=True)
class Denial:
    guest_id: str
    instance_id: str  # the review round that denied the guest, or OFFBOARDING
    denied_at: datetime

    @property
    def by_offboarding(self) -> bool:
        return self.instance_id == OFFBOARDING


@dataclass(frozen=True)
class DisabledGuest:
    """A guest disabled because no group access was left (by cleanup, or an offboarding); deleted after
    the grace period."""

    guest_id: str
    instance_id: str  # the review round that disabled the guest, or OFFBOARDING
    disabled_at: datetime

    @property
    def by_offboarding(self) -> bool:
        return self.instance_id == OFFBOARDING


@dataclass(frozen=True)
class EnqueuedRound:
    """A finished review round the governance sweep handed to cleanup."""

    instance_id: str
    definition_id: str
    group_id: str
    enqueued_at: datetime


@dataclass(frozen=True)
class AuditRecord:
    action: str
    outcome: str
    at: datetime
    guest_id: str | None = None
    group_id: str | None = None
    instance_id: str | None = None
    detail: str | None = None  # e.g. an override's reason; never an address
    decision: str | None = None  # the review decision behind a cleanup action (Deny, Approve, ...)
    key: str | None = field(default=None, compare=False)  # a stable row key (see record_audit_once)

    def entity(self) -> dict[str, Any]:
        row = self.key or f"{self.at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:12]}"
        entity: dict[str, Any] = {"PartitionKey": "audit", "RowKey": row, "Action": self.action}
        entity |= {"Outcome": self.outcome, "At": self.at}
        optional = {"GuestId": self.guest_id, "GroupId": self.group_id}
        optional |= {"InstanceId": self.instance_id, "Detail": self.detail, "Decision": self.decision}
        return entity | {k: v for k, v in optional.items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> AuditRecord:
        return cls(
            action=entity["Action"],
            outcome=entity["Outcome"],
            at=entity["At"],
            guest_id=entity.get("GuestId"),
            group_id=entity.get("GroupId"),
            instance_id=entity.get("InstanceId"),
            detail=entity.get("Detail"),
            decision=entity.get("Decision"),
            key=entity["RowKey"],
        )
