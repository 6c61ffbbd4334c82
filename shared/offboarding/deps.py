"""What the offboarding endpoint is handed: the worker builds it (``shared.worker``), tests their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from msgraph.graph_service_client import GraphServiceClient

from shared.graph.batch import RetryPolicy
from shared.offboarding.settings import OffboardingSettings
from shared.outcomes import NO_OUTCOMES, OutcomePublisher
from shared.state import AuditTrail, Denials, DisabledGuests, OnboardingRecords, WebhookClaims
from shared.webhooks.envelope import Envelope
from shared.webhooks.settings import WebhookSettings


@dataclass(frozen=True)
class OffboardingDeps:
    graph: GraphServiceClient
    settings: OffboardingSettings
    webhook: WebhookSettings
    managed_groups: frozenset[str]  # onboarding's allowlist: the only groups offboarding removes from
    grace_days: int  # governance's GUEST_DELETE_GRACE_DAYS: when a disabled guest is deleted
    claims: WebhookClaims  # replay refusal
    records: OnboardingRecords  # address -> guest id, so that onboarding's cool-down finds the guest
    denials: Denials  # the cool-down
    disabled: DisabledGuests  # the disabled date governance's grace deletion starts from
    audit: AuditTrail
    clock: Callable[[], datetime]
    retry: RetryPolicy
    outcomes: OutcomePublisher = NO_OUTCOMES  # offboarded, disabled: for HR

    @property
    def envelope(self) -> Envelope:
        return Envelope(self.webhook, self.claims, self.clock, self.settings.max_body_bytes)
