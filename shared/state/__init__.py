"""The state table: what Graph cannot tell us, in one Azure Table of the Functions storage account.

Partitions (``PartitionKey``) and their row keys:

- ``webhook``    sha256 of a webhook id: claimed, then done or refused (replay refusal)
- ``onboarding`` hash of a normalised e-mail address -> guest object id, HR's externalRef (201 vs 200,
                 cool-down, which pending guests Guestkeeper invited, HR callbacks)
- ``denial``     guest object id -> latest review denial (written by cleanup) or offboarding
- ``disabled``   guest object id -> when cleanup or an offboarding disabled it (governance deletes
                 after the grace period)
- ``audit``      time-ordered key -> one action (guest, group, instance, action, outcome, detail);
                 onboarding's, cleanup's, offboarding's and grace deletions' rows have stable keys
                 (``onboarding-{guest}-...``, ``cleanup-{instance}-...``, ``offboarding-{delivery}-...``,
                 ``grace-{guest}-...``) so retried deliveries and re-runs never duplicate
- ``checkpoint`` access-review instance id -> handled, with a summary
- ``enqueued``   access-review instance id -> its cleanup message was sent (governance sweep)
- ``drained``    review definition id -> an old series whose every instance was handed to cleanup
- ``invitation`` guest object id -> a pending invitation's reminder and expiry (governance run)

Addresses are never stored: only a salted sha256 of the lower-cased address. Every storage
failure other than the expected conflicts becomes ``StateUnavailable`` (HTTP 503).

Each concern is its own store over the one ``Table`` (``webhooks``, ``onboarding``, ``denials``,
``reviews``, ``disabled``, ``audit``, ``invitations``) and owns its partitions; ``StateStore`` holds
one of each, so callers name the concern they use (``store.audit.list_audit()``) and a flow is
handed only the stores it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import StorageSettings
from shared.state.audit import AuditTrail
from shared.state.denials import Denials
from shared.state.disabled import DisabledGuests
from shared.state.invitations import PendingInvitations
from shared.state.onboarding import OnboardingRecords
from shared.state.records import (
    ADDRESS_SALT,
    OFFBOARDING,
    AuditRecord,
    Claim,
    Denial,
    DisabledGuest,
    EnqueuedRound,
    InvitationMark,
    OnboardingRecord,
    address_hash,
)
from shared.state.reviews import ReviewRecords
from shared.state.table import KEYS_PER_QUERY, TRANSACTION_SIZE, Table
from shared.state.webhooks import STALE_CLAIM, WebhookClaims

__all__ = [
    "ADDRESS_SALT",
    "KEYS_PER_QUERY",
    "OFFBOARDING",
    "STALE_CLAIM",
    "TRANSACTION_SIZE",
    "AuditRecord",
    "AuditTrail",
    "Claim",
    "Denial",
    "Denials",
    "DisabledGuest",
    "DisabledGuests",
    "EnqueuedRound",
    "InvitationMark",
    "OnboardingRecord",
    "OnboardingRecords",
    "PendingInvitations",
    "ReviewRecords",
    "StateStore",
    "Table",
    "WebhookClaims",
    "address_hash",
]


@dataclass(frozen=True)
class StateStore:
    """Typed access to the state table, one store per concern; the table is created on first use."""

    table: Table
    webhooks: WebhookClaims
    onboarding: OnboardingRecords
    denials: Denials
    reviews: ReviewRecords
    disabled: DisabledGuests
    audit: AuditTrail
    invitations: PendingInvitations

    @classmethod
    def over(cls, table: Table) -> StateStore:
        return cls(
            table,
            WebhookClaims(table),
            OnboardingRecords(table),
            Denials(table),
            ReviewRecords(table),
            DisabledGuests(table),
            AuditTrail(table),
            PendingInvitations(table),
        )

    @classmethod
    def from_settings(cls, storage: StorageSettings) -> StateStore:
        return cls.over(Table.from_settings(storage))

    async def close(self) -> None:
        await self.table.close()
