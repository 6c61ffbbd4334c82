"""Pure parsing of onboarding requests: JSON value in, ``GuestRequest`` out, or every bad field named.

No I/O and no settings: policy (allow lists) lives in ``shared.onboarding.policy``. Messages never quote the
submitted value, so a problem document or a log line cannot carry an address back out.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from shared.config import GUID
from shared.errors import ValidationFailed
from shared.onboarding.models import GuestRequest, InvitationOptions, Override
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

MAX_GROUPS = 20  # one $batch of membership writes
MAX_DISPLAY_NAME = 256
MAX_MESSAGE = 2000
MAX_URL = 2048
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$")
GUEST_FIELDS = frozenset(
    {"email", "displayName", "groups", "sponsor", "redirectUrl", "invitation", "externalRef", "override"}
)
INVITATION_FIELDS = frozenset({"sendEmail", "message", "language"})


def parse_guest_request(payload: object, *, prefix: str = "") -> GuestRequest:
    """Validate one guest; raise ``ValidationFailed`` listing every bad field (paths under ``prefix``)."""
    fields = Fields(require_object(payload, prefix, "guest"), prefix)
    fields.unknown(GUEST_FIELDS)
    email = fields.string("email", required=True, max_len=MAX_EMAIL, check=email_problem)
    display_name = fields.string("displayName", max_len=MAX_DISPLAY_NAME, check=printable_problem)
    groups = _groups(fields)
    sponsor = fields.string("sponsor", max_len=64, check=_guid)
    redirect = fields.string("redirectUrl", max_len=MAX_URL, check=_https_url)
    external_ref = fields.string("externalRef", max_len=MAX_EXTERNAL_REF, check=external_ref_problem)
    invitation = _invitation(fields)
    override = _override(fields)
    if fields.errors or email is None:
        raise ValidationFailed(summary(fields.errors), errors=fields.errors)
    return GuestRequest(
        email=email,
        groups=groups,
        display_name=display_name.strip() if display_name else None,
        sponsor=sponsor.lower() if sponsor else None,
        redirect_url=redirect.rstrip("/") if redirect else None,
        invitation=invitation,
        external_ref=external_ref,
        override=override,
    )


def parse_bulk_request(payload: object, *, max_guests: int) -> tuple[GuestRequest | ValidationFailed, ...]:
    """The bulk envelope ``{"guests": [...]}``: envelope errors raise, each guest is parsed on its own."""
    return parse_bulk(
        payload, max_guests=max_guests, parse=lambda item, at: parse_guest_request(item, prefix=at)
    )


def _groups(fields: Fields) -> tuple[str, ...]:
    value = fields.payload.get("groups")
    if value is None:
        fields.error("groups", "is required: at least one group the guest joins (and is reviewed in)")
        return ()
    if not isinstance(value, list):
        fields.error("groups", "must be an array of group object ids")
        return ()
    if not 1 <= len(value) <= MAX_GROUPS:
        fields.error("groups", f"must hold between 1 and {MAX_GROUPS} group object ids")
        return ()
    ids: dict[str, None] = {}
    for index, item in enumerate(value):
        if not isinstance(item, str) or not GUID.match(item):
            fields.error(f"groups[{index}]", "must be a group object id (a GUID)")
        else:
            ids[item.lower()] = None
    return tuple(ids)


def _invitation(fields: Fields) -> InvitationOptions:
    value = fields.payload.get("invitation")
    if value is None:
        return InvitationOptions()
    if not isinstance(value, dict):
        fields.error("invitation", "must be an object")
        return InvitationOptions()
    inner = Fields(value, f"{fields.prefix}invitation.")
    inner.unknown(INVITATION_FIELDS)
    send = inner.boolean("sendEmail", False)
    message = inner.string("message", max_len=MAX_MESSAGE)
    language = inner.string("language", max_len=35, check=_language)
    fields.errors.extend(inner.errors)
    return InvitationOptions(send_email=send, message=message, language=language)


def _override(fields: Fields) -> Override | None:
    value = fields.payload.get("override")
    if value is None:
        return None
    if not isinstance(value, dict):
        fields.error("override", "must be an object with a reason")
        return None
    inner = Fields(value, f"{fields.prefix}override.")
    inner.unknown(frozenset({"reason"}))
    reason = inner.string("reason", required=True, max_len=MAX_REASON, check=printable_problem)
    fields.errors.extend(inner.errors)
    return Override(reason=reason.strip()) if reason else None


def _guid(value: str) -> str | None:
    return None if GUID.match(value) else "must be an object id (a GUID)"


def _language(value: str) -> str | None:
    return None if LANGUAGE.match(value) else "must be a language tag such as en-US"


def _https_url(value: str) -> str | None:
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "https://["
        return "must be an absolute https URL"
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
        return "must be an absolute https URL"
    return None
