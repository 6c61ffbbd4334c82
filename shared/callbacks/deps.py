"""What the HR callback function is handed: the worker builds it (``shared.worker``), tests their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from shared.callbacks.settings import CallbackSettings
from shared.config import Secret
from shared.state import AuditTrail, OnboardingRecords

TIMEOUT_S = 10.0  # per attempt: an HR endpoint slower than this is retried like one that failed


def new_http_client() -> httpx.AsyncClient:
    """The worker's client for HR callbacks: redirects are not followed (a 3xx is not a delivery)."""
    return httpx.AsyncClient(timeout=httpx.Timeout(TIMEOUT_S), follow_redirects=False)


@dataclass(frozen=True)
class CallbackDeps:
    settings: CallbackSettings
    secret: Secret  # HR_CALLBACK_SECRET, else WEBHOOK_SECRET
    http: httpx.AsyncClient  # the worker's, kept for the life of the process
    records: OnboardingRecords  # HR's externalRef for a guest id
    audit: AuditTrail  # delivered, invalid and poisoned callbacks
    clock: Callable[[], datetime]
    max_dequeue_count: int  # host.json extensions.queues.maxDequeueCount (CLEANUP_MAX_DEQUEUE_COUNT)
