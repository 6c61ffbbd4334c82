"""What the onboarding endpoint is handed: the worker builds it (``shared.worker``), tests build their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from msgraph.graph_service_client import GraphServiceClient

from shared.onboarding.gateway import DirectoryGateway
from shared.onboarding.settings import OnboardingSettings
from shared.outcomes import NO_OUTCOMES, OutcomePublisher
from shared.state import AuditTrail, Denials, OnboardingRecords, WebhookClaims
from shared.webhooks.envelope import Envelope
from shared.webhooks.settings import WebhookSettings


@dataclass(frozen=True)
class OnboardingDeps:
    graph: GraphServiceClient
    settings: OnboardingSettings
    webhook: WebhookSettings
    gateway: DirectoryGateway  # the worker's group facts cache and invitation pacer
    claims: WebhookClaims  # replay refusal
    records: OnboardingRecords  # 201 or 200, and the address's guest id for the cool-down
    denials: Denials  # the cool-down
    audit: AuditTrail  # what onboarding changed, and cool-down overrides
    clock: Callable[[], datetime]
    outcomes: OutcomePublisher = NO_OUTCOMES  # onboarded, refused by policy, cool-down: for HR

    @property
    def envelope(self) -> Envelope:
        return Envelope(self.webhook, self.claims, self.clock, self.settings.max_body_bytes)
