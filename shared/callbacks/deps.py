"""What the HR callback function is handed: the worker builds it (``shared.worker``), tests their own."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from shared.callbacks.settings import CallbackSettings
from shared.config import Secret
from shared.state import AuditTrail, OnboardingRecords

TIMEOUT_S = 10.0  # per attempt: an HR endpoint slower than this is retried like one that failed


class UrlPathOnly(logging.Filter):
    """httpx logs every request's full URL at INFO; an HR callback URL may carry a token in its query
    or user info, so the ``httpx`` logger keeps scheme, host, port and path only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_path_only(a) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


def _path_only(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def new_http_client() -> httpx.AsyncClient:
    """The worker's client for HR callbacks: redirects are not followed (a 3xx is not a delivery),
    and the ``httpx`` logger no longer writes query strings (``UrlPathOnly``)."""
    log = logging.getLogger("httpx")
    if not any(isinstance(f, UrlPathOnly) for f in log.filters):
        log.addFilter(UrlPathOnly())
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
