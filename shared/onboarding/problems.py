"""The onboarding API's problem documents: its catalogue and its own errors (Graph, incomplete work).

``PROBLEM_TYPES`` is the catalogue: each ``type`` is ``https://guestkeeper.dev/problems/<slug>``
with a fixed status and title; docs/openapi.yaml lists the same slugs and a test keeps them equal.
The document itself and the errors every endpoint meets are ``shared.http``'s.
"""

from __future__ import annotations

from shared.errors import GraphFailure, OnboardingIncomplete, Transient
from shared.http import Reply, problem, reply_for_common_error

PROBLEM_TYPES: dict[str, int] = {
    "malformed-json": 400,
    "signature-missing": 401,
    "signature-invalid": 401,
    "signature-expired": 401,
    "domain-not-allowed": 403,
    "group-not-allowed": 403,
    "redirect-not-allowed": 403,
    "webhook-replayed": 409,
    "guest-recently-denied": 409,
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


def reply_for_error(exc: BaseException) -> Reply:
    """The problem document for any exception; unexpected ones are logged and become a bare 500."""
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
    return reply_for_common_error(exc)
