"""Pure parsing of offboarding requests: JSON value in, ``OffboardRequest`` out, or every bad field
named. The address rule, field checks and bulk envelope are the ones onboarding uses
(``shared.webhooks.fields``), so an address onboarding accepts is one offboarding accepts."""

from __future__ import annotations

from shared.errors import ValidationFailed
from shared.offboarding.models import OffboardRequest
from shared.webhooks.fields import (
    MAX_EMAIL,
    MAX_EXTERNAL_REF,
    MAX_REASON,
    Fields,
    email_problem,
    external_ref_problem,
    parse_bulk,
    printable_problem,
    require_object,
    summary,
)

GUEST_FIELDS = frozenset({"email", "externalRef", "reason", "cooldown"})


def parse_offboard_request(payload: object, *, prefix: str = "") -> OffboardRequest:
    """Validate one guest; raise ``ValidationFailed`` listing every bad field (paths under ``prefix``)."""
    fields = Fields(require_object(payload, prefix, "guest"), prefix)
    fields.unknown(GUEST_FIELDS)
    email = fields.string("email", required=True, max_len=MAX_EMAIL, check=email_problem)
    ref = fields.string("externalRef", max_len=MAX_EXTERNAL_REF, check=external_ref_problem)
    reason = fields.string("reason", max_len=MAX_REASON, check=printable_problem)
    cooldown = fields.boolean("cooldown", True)
    if fields.errors or email is None:
        raise ValidationFailed(summary(fields.errors), errors=fields.errors)
    return OffboardRequest(email, ref, reason.strip() if reason else None, cooldown)


def parse_bulk_request(payload: object, *, max_guests: int) -> tuple[OffboardRequest | ValidationFailed, ...]:
    """The bulk envelope ``{"guests": [...]}``: envelope errors raise, each guest is parsed on its own."""
    return parse_bulk(
        payload, max_guests=max_guests, parse=lambda item, at: parse_offboard_request(item, prefix=at)
    )
