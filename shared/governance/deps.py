"""What the governance pass is handed: the worker builds it (``shared.worker``), tests build their own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from msgraph.graph_service_client import GraphServiceClient

from shared.governance.settings import GovernanceSettings
from shared.graph.batch import RetryPolicy
from shared.queue.sender import CleanupQueue
from shared.state import AuditTrail, DisabledGuests, ReviewRecords, WebhookClaims


@dataclass(frozen=True)
class GovernanceDeps:
    graph: GraphServiceClient
    settings: GovernanceSettings
    queue: CleanupQueue  # finished rounds go to cleanup
    reviews: ReviewRecords  # rounds enqueued, checkpointed by cleanup, series drained
    disabled: DisabledGuests  # guests cleanup disabled: the grace-period candidates
    audit: AuditTrail  # grace deletions
    claims: WebhookClaims  # housekeeping: webhook ids past the replay window
    clock: Callable[[], dt.datetime]
    retry: RetryPolicy
    # Forget webhook ids older than this (their timestamps are refused as stale by then); None: keep.
    webhook_retention: dt.timedelta | None = None
