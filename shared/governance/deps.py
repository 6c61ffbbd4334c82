"""What the governance pass is handed: the worker builds it (``shared.worker``), tests build their own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from msgraph.graph_service_client import GraphServiceClient

from shared.governance.settings import GovernanceSettings
from shared.graph.batch import RetryPolicy
from shared.graph.pacing import SlidingWindowLimiter
from shared.outcomes import NO_OUTCOMES, OutcomePublisher
from shared.queue.sender import CleanupQueue
from shared.state import (
    AuditTrail,
    DisabledGuests,
    OnboardingRecords,
    PendingInvitations,
    ReviewRecords,
    WebhookClaims,
)


@dataclass(frozen=True)
class GovernanceDeps:
    graph: GraphServiceClient
    settings: GovernanceSettings
    queue: CleanupQueue  # finished rounds go to cleanup
    reviews: ReviewRecords  # rounds enqueued, checkpointed by cleanup, series drained
    disabled: DisabledGuests  # guests cleanup disabled: the grace-period candidates
    audit: AuditTrail  # grace deletions, invitation reminders and expiries
    claims: WebhookClaims  # housekeeping: webhook ids past the replay window
    records: OnboardingRecords  # which pending guests Guestkeeper invited, and their externalRef
    invitations: PendingInvitations  # reminders sent, expiries begun and done
    pacer: SlidingWindowLimiter  # the worker's invitation pacer, shared with onboarding
    managed_groups: frozenset[str]  # ONBOARDING_ALLOWED_GROUP_IDS: what an expired invitation loses
    redirect_url: str  # ONBOARDING_REDIRECT_URL, for reminders
    clock: Callable[[], dt.datetime]
    retry: RetryPolicy
    # Forget webhook ids older than this (their timestamps are refused as stale by then); None: keep.
    webhook_retention: dt.timedelta | None = None
    outcomes: OutcomePublisher = NO_OUTCOMES  # deletions and expired invitations, for HR
