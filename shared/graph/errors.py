"""Graph errors to domain outcomes, in one place.

``classify`` is the single mapping; ``from_api_error`` and ``from_batch_item`` only extract the
status, code, message and ``Retry-After`` from an SDK exception or a ``$batch`` item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from kiota_abstractions.api_error import APIError

from shared.errors import (
    AlreadyMember,
    Forbidden,
    GraphFailure,
    GraphRequestFailed,
    NotFound,
    Throttled,
    Transient,
)

# Graph's body for an existing reference: "One or more added object references already exist for
# the following modified properties: 'members'." Request_BadRequest is generic, so match both parts.
_ALREADY = re.compile(r"already exist.*'(members|owners|sponsors)'", re.IGNORECASE | re.DOTALL)


def classify(status: int, code: str, message: str, retry_after: float | None = None) -> GraphFailure:
    """The domain outcome of a failed Graph call."""
    if status == 429:
        return Throttled(status, code, message, retry_after)
    if status >= 500 or status == 408:
        return Transient(status, code, message, retry_after)
    if status == 404:
        return NotFound(status, code, message)
    if status in (401, 403):
        return Forbidden(status, code, message)
    match = _ALREADY.search(message) if status == 400 else None
    if match is not None:
        return AlreadyMember(status, code, message, match.group(1).lower())
    return GraphRequestFailed(status, code, message)


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), if any."""
    for name, value in (headers or {}).items():
        if name.lower() != "retry-after":
            continue
        text = str(value).strip()
        if text.isdigit():
            return float(text)
        try:
            return max(0.0, (parsedate_to_datetime(text) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None
    return None


def from_api_error(exc: APIError) -> GraphFailure:
    status = exc.response_status_code or 500
    code, message = "", exc.message or ""
    error = getattr(exc, "error", None)  # ODataError carries Graph's error object
    if error is not None:
        code, message = error.code or "", error.message or ""
    return classify(status, code, message, retry_after(exc.response_headers))


def from_batch_item(status: int, headers: Mapping[str, str] | None, body: Any) -> GraphFailure:
    error = body.get("error") if isinstance(body, dict) else None
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    return classify(status, code, message, retry_after(headers))
