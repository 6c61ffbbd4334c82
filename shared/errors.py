"""One error tree for the app. Triggers translate it at the edge; domain code raises or returns it.

GuestkeeperError
 ├── ConfigurationError        a setting is missing or invalid (names every bad setting)
 ├── RequestRefused            the caller's request is refused before any Graph write;
 │    │                        rendered as application/problem+json (``shared.webhooks.problems``)
 │    ├── MalformedRequest     400 malformed-json
 │    ├── InvalidQuery         400 invalid-query (the audit endpoint's parameters)
 │    ├── SignatureRejected    401 signature-missing | signature-invalid | signature-expired
 │    ├── PolicyRefused        403 domain-not-allowed | group-not-allowed | redirect-not-allowed
 │    ├── NothingRecorded      404 nothing-recorded (the audit knows nothing of that guest or round)
 │    ├── GuestNotFound        404 guest-not-found (offboarding: no guest has the address)
 │    ├── WebhookReplayed      409 webhook-replayed
 │    ├── AmbiguousGuest       409 guest-ambiguous (offboarding: several guests have the address)
 │    ├── RecentlyDenied       409 guest-recently-denied
 │    ├── PayloadTooLarge      413 payload-too-large
 │    ├── UnsupportedMediaType 415 unsupported-media-type
 │    ├── ValidationFailed     422 validation-failed (one entry per bad field)
 │    └── TargetNotEligible    422 group-not-eligible | sponsor-not-eligible
 ├── StateUnavailable          the state table could not be reached (503 + Retry-After)
 ├── OnboardingIncomplete      the guest was invited but a membership or sponsor write failed
 └── GraphFailure              Graph answered with an error (after the retries that make sense)
      ├── NotFound             404 Request_ResourceNotFound
      ├── AlreadyMember        400 "already exist" on a reference ('members', 'sponsors')
      ├── Forbidden            401/403: the app lacks a Graph permission
      ├── Transient            5xx, or a 404 that outlived its replication retries (503 + Retry-After)
      │    └── Throttled       429
      └── GraphRequestFailed   any other 4xx
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


class GuestkeeperError(Exception):
    """Root of every error the app raises on purpose."""


class ConfigurationError(GuestkeeperError):
    """Settings are missing or invalid; ``problems`` pairs each setting name with what is wrong."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        self.names = tuple(dict.fromkeys(name for name, _ in self.problems))
        super().__init__("invalid settings: " + "; ".join(f"{n} {m}" for n, m in self.problems))


@dataclass(frozen=True)
class FieldError:
    """One bad field: ``field`` is a path into the request body such as ``guests[2].email``."""

    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class RequestRefused(GuestkeeperError):
    """A refusal the caller can act on. Subclasses fix ``status``; ``slug`` names the problem type."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        errors: Iterable[FieldError] = (),
        extensions: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail
        self.slug = slug or type(self).slug
        self.title = title or type(self).title
        self.errors = tuple(errors)
        self.extensions = dict(extensions or {})
        super().__init__(f"{self.status} {self.slug}: {detail}")


class MalformedRequest(RequestRefused):
    status = 400
    slug = "malformed-json"
    title = "The body is not valid JSON"


class InvalidQuery(RequestRefused):
    status = 400
    slug = "invalid-query"
    title = "The query parameters are not valid"


class DuplicateKey(MalformedRequest):
    """One JSON object names a member twice: parsers disagree on which value wins (RFC 8259 section 4),
    so the signer may believe it sent something other than what we would act on."""

    slug = "duplicate-json-key"
    title = "The body names a JSON member twice"


class SignatureRejected(RequestRefused):
    status = 401
    slug = "signature-invalid"
    title = "The webhook signature is not valid"


class PolicyRefused(RequestRefused):
    status = 403
    slug = "policy-refused"
    title = "Refused by onboarding policy"


class NothingRecorded(RequestRefused):
    status = 404
    slug = "nothing-recorded"
    title = "Guestkeeper has no record of this"


class GuestNotFound(RequestRefused):
    status = 404
    slug = "guest-not-found"
    title = "No guest has this address"


class AmbiguousGuest(RequestRefused):
    status = 409
    slug = "guest-ambiguous"
    title = "Several guests have this address"


class WebhookReplayed(RequestRefused):
    status = 409
    slug = "webhook-replayed"
    title = "This webhook delivery was already received"


class RecentlyDenied(RequestRefused):
    status = 409
    slug = "guest-recently-denied"
    title = "An access review denied this guest recently"


class PayloadTooLarge(RequestRefused):
    status = 413
    slug = "payload-too-large"
    title = "The body is too large"


class UnsupportedMediaType(RequestRefused):
    status = 415
    slug = "unsupported-media-type"
    title = "The body must be application/json"


class ValidationFailed(RequestRefused):
    status = 422
    slug = "validation-failed"
    title = "The request has invalid fields"


class TargetNotEligible(RequestRefused):
    status = 422
    slug = "group-not-eligible"
    title = "A requested group cannot take guests"


class StateUnavailable(GuestkeeperError):
    """The state table failed (storage down, throttled): retrying later is the remedy."""


class OnboardingIncomplete(GuestkeeperError):
    """Invited, but some writes failed after retries. ``result`` says which; a retry completes it."""

    def __init__(self, result: Any, *, transient: bool, retry_after: float | None) -> None:
        self.result = result  # an OnboardingResult (typed loosely: models import this module)
        self.transient = transient
        self.retry_after = retry_after
        super().__init__("onboarding incomplete")


class GraphFailure(GuestkeeperError):
    """Graph refused or failed a call. ``message`` is Graph's and may quote input: never log it."""

    def __init__(self, status: int, code: str, message: str = "", retry_after: float | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        super().__init__(f"Graph {status} {code}")


class NotFound(GraphFailure):
    pass


class AlreadyMember(GraphFailure):
    """The reference already exists: already a member of the group (or already a sponsor)."""

    def __init__(self, status: int, code: str, message: str, relationship: str) -> None:
        super().__init__(status, code, message)
        self.relationship = relationship


class Forbidden(GraphFailure):
    pass


class Transient(GraphFailure):
    """Worth retrying later: the HTTP answer is 503 with ``Retry-After``."""


class Throttled(Transient):
    pass


class GraphRequestFailed(GraphFailure):
    pass
