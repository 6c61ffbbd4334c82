"""RFC 7807 problem documents (``application/problem+json``) for every error the API returns.

``PROBLEM_TYPES`` is the catalogue: each ``type`` is ``https://guestkeeper.dev/problems/<slug>``
with a fixed status and title; docs/openapi.yaml lists the same slugs and a test keeps them equal.
"""

from __future__ import annotations

import json
import logging
import math
import traceback
from dataclasses import dataclass, field
from typing import Any

from shared.errors import (
    ConfigurationError,
    GraphFailure,
    OnboardingIncomplete,
    RequestRefused,
    StateUnavailable,
    Transient,
)

PROBLEM_BASE = "https://guestkeeper.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("guestkeeper.http")

PROBLEM_TYPES: dict[str, int] = {
    "malformed-json": 400,
    "duplicate-json-key": 400,
    "signature-missing": 401,
    "signature-invalid": 401,
    "signature-expired": 401,
    "domain-not-allowed": 403,
    "group-not-allowed": 403,
    "redirect-not-allowed": 403,
    "guest-not-found": 404,
    "webhook-replayed": 409,
    "guest-recently-denied": 409,
    "guest-ambiguous": 409,
    "payload-too-large": 413,
    "unsupported-media-type": 415,
    "validation-failed": 422,
    "group-not-eligible": 422,
    "sponsor-not-eligible": 422,
    "configuration-error": 500,
    "internal-error": 500,
    "graph-request-failed": 502,
    "onboarding-incomplete": 502,  # 503 when a retry will complete it
    "graph-unavailable": 503,
    "state-unavailable": 503,
}


@dataclass(frozen=True)
class Reply:
    """An HTTP answer, independent of the Functions types (the trigger turns it into one)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"

    def encoded(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    extensions: dict[str, Any] | None = None,
    retry_after: float | None = None,
) -> Reply:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extensions or {})
    headers = {}
    if retry_after is not None:
        seconds = max(1, math.ceil(retry_after))
        headers["Retry-After"] = str(seconds)
        body["retryAfter"] = seconds
    return Reply(status, body, headers, PROBLEM_MEDIA_TYPE)


def reply_for_error(exc: BaseException) -> Reply:
    """The problem document for any exception; unexpected ones are logged and become a bare 500."""
    if isinstance(exc, RequestRefused):
        errors = [e.to_json() for e in exc.errors]
        return problem(exc.status, exc.slug, exc.title, exc.detail, errors=errors, extensions=exc.extensions)
    if isinstance(exc, OnboardingIncomplete):
        status, retry = (503, exc.retry_after or 5.0) if exc.transient else (502, None)
        detail = "The guest was invited, but some memberships or the sponsor could not be written."
        if exc.transient:
            detail += " Send the request again later: it completes the work."
        guest = exc.result.to_json()
        return problem(
            status,
            "onboarding-incomplete",
            "Onboarding incomplete",
            detail,
            extensions={"guest": guest},
            retry_after=retry,
        )
    if isinstance(exc, Transient):
        detail = f"Microsoft Graph is unavailable or throttling ({exc.status} {exc.code}); retry later."
        return problem(
            503,
            "graph-unavailable",
            "Microsoft Graph unavailable",
            detail,
            retry_after=exc.retry_after or 5.0,
        )
    if isinstance(exc, GraphFailure):
        detail = f"Microsoft Graph refused a call ({exc.status} {exc.code})."
        return problem(502, "graph-request-failed", "Microsoft Graph refused the request", detail)
    if isinstance(exc, StateUnavailable):
        return problem(503, "state-unavailable", "State storage unavailable", "Retry later.", retry_after=5.0)
    if isinstance(exc, ConfigurationError):
        log.error("configuration error: %s", ", ".join(exc.names))
        return problem(500, "configuration-error", "Service misconfigured", "The operator has been notified.")
    # the type and where (file, line, function), not the message or source: either can quote input
    frames = traceback.extract_tb(exc.__traceback__)[-5:]
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))
    log.error("unexpected error %s at %s", type(exc).__name__, where)
    return problem(500, "internal-error", "Internal error", "An unexpected error occurred.")
