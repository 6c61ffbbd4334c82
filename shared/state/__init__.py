"""The state table: what Graph cannot tell us, in one Azure Table of the Functions storage account.

Partitions (``PartitionKey``) and their row keys:

- ``webhook``    sha256 of a webhook id: claimed, then done or refused (replay refusal)
- ``onboarding`` hash of a normalised e-mail address -> guest object id (201 vs 200, cool-down)
- ``denial``     guest object id -> latest review denial (written by cleanup)
- ``disabled``   guest object id -> when cleanup disabled it (governance deletes after the grace period)
- ``audit``      time-ordered key -> one action (guest, group, instance, action, outcome, detail);
                 cleanup's rows have stable keys (``cleanup-{instance}-...``) so re-runs never duplicate
- ``checkpoint`` access-review instance id -> handled, with a summary
- ``enqueued``   access-review instance id -> its cleanup message was sent (governance sweep)
- ``drained``    review definition id -> an old series whose every instance was handed to cleanup

Addresses are never stored: only a salted sha256 of the lower-cased address. Every storage
failure other than the expected conflicts becomes ``StateUnavailable`` (HTTP 503).

Each concern is a mixin over ``TableBase`` (``webhooks``, ``onboarding``, ``reviews``, ``audit``);
``StateStore`` composes them, so callers keep one object and one import.
"""

from __future__ import annotations

from shared.state.audit import AuditTrail
from shared.state.onboarding import OnboardingRecords
from shared.state.records import (
    ADDRESS_SALT,
    AuditRecord,
    Claim,
    Denial,
    DisabledGuest,
    OnboardingRecord,
    address_hash,
)
from shared.state.reviews import ReviewRecords
from shared.state.table import KEYS_PER_QUERY, TRANSACTION_SIZE, TableBase
from shared.state.webhooks import STALE_CLAIM, WebhookClaims

__all__ = [
    "ADDRESS_SALT",
    "KEYS_PER_QUERY",
    "STALE_CLAIM",
    "TRANSACTION_SIZE",
    "AuditRecord",
    "Claim",
    "Denial",
    "DisabledGuest",
    "OnboardingRecord",
    "StateStore",
    "address_hash",
]


class StateStore(WebhookClaims, OnboardingRecords, ReviewRecords, AuditTrail, TableBase):
    """Typed access to the state table; the table is created on first use."""
