"""What the cleanup function is handed: the worker builds it (``shared.worker``), tests build their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from msgraph.graph_service_client import GraphServiceClient

from shared.cleanup.settings import CleanupSettings
from shared.graph.batch import RetryPolicy
from shared.outcomes import NO_OUTCOMES, OutcomePublisher
from shared.state import AuditTrail, Denials, DisabledGuests, ReviewRecords


@dataclass(frozen=True)
class CleanupDeps:
    graph: GraphServiceClient
    settings: CleanupSettings
    reviews: ReviewRecords  # the round's checkpoint
    denials: Denials  # for onboarding's cool-down
    disabled: DisabledGuests  # for governance's grace-period deletions
    audit: AuditTrail  # every action, the guard, poison records
    clock: Callable[[], datetime]
    retry: RetryPolicy
    outcomes: OutcomePublisher = NO_OUTCOMES  # removed by review, disabled: for HR
