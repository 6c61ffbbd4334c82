"""HTTP answers independent of the Functions types, shared by every HTTP flow: ``Reply``, RFC 7807
problem documents (``application/problem+json``), and the answer to the errors every endpoint can
meet (a refusal, the state table down, a bad setting, a bug). Each flow keeps its own catalogue of
problem types and maps its own errors first.
"""

from __future__ import annotations

import json
import logging
import math
import traceback
from dataclasses import dataclass, field
from typing import Any

from shared.errors import ConfigurationError, RequestRefused, StateUnavailable

PROBLEM_BASE = "https://guestkeeper.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("guestkeeper.http")


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


def reply_for_common_error(exc: BaseException) -> Reply:
    """The problem document for a refusal, the state table down, a bad setting, or anything else
    (logged by type and place, never by message, and answered as a bare 500)."""
    if isinstance(exc, RequestRefused):
        errors = [e.to_json() for e in exc.errors]
        return problem(exc.status, exc.slug, exc.title, exc.detail, errors=errors, extensions=exc.extensions)
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
