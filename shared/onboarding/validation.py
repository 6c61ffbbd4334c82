"""Pure parsing of onboarding requests: JSON value in, ``GuestRequest`` out, or every bad field named.

No I/O and no settings: policy (allow lists) lives in ``shared.onboarding.policy``. Messages never quote the
submitted value, so a problem document or a log line cannot carry an address back out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from shared.config import GUID
from shared.errors import FieldError, ValidationFailed
from shared.onboarding.models import GuestRequest, InvitationOptions, Override

MAX_GROUPS = 20  # one $batch of membership writes
MAX_EMAIL = 254
MAX_DISPLAY_NAME = 256
MAX_EXTERNAL_REF = 128
MAX_MESSAGE = 2000
MAX_REASON = 1000
MAX_URL = 2048
# A conservative subset of what Graph accepts: letters, digits, '_', '.', '-', and "'" (o'brien)
# inside the local part; '.', '-' and "'" never first, last or doubled up.
LOCAL_PART = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_'.-]{0,62}[A-Za-z0-9_])?$")
DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
TOP_LEVEL = re.compile(r"^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$")
EXTERNAL_REF = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$")
GUEST_FIELDS = frozenset(
    {"email", "displayName", "groups", "sponsor", "redirectUrl", "invitation", "externalRef", "override"}
)
INVITATION_FIELDS = frozenset({"sendEmail", "message", "language"})


def email_problem(value: str) -> str | None:
    """Why ``value`` is not an address we invite, or None. Never quotes the value."""
    if len(value) > MAX_EMAIL:
        return f"must be at most {MAX_EMAIL} characters"
    if not value.isascii() or any(c.isspace() or ord(c) < 32 for c in value):
        return "must be a plain ASCII e-mail address without spaces or control characters"
    local, at, domain = value.rpartition("@")
    if not at or not local or "@" in local:
        return "must be an e-mail address with exactly one '@'"
    if len(local) > 64 or not LOCAL_PART.match(local) or re.search(r"[.'-]{2}", local):
        return (
            "has characters Guestkeeper does not invite: the part before '@' may use letters, digits, "
            "'_', '.', '-' and an apostrophe, not first, last or doubled"
        )
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(DOMAIN_LABEL.match(label) for label in labels):
        return "must end in a domain name such as fabrikam.com"
    if not TOP_LEVEL.match(labels[-1]):
        return "must end in a real top-level domain"
    return None


class _Fields:
    """Collects field errors under a path prefix such as ``guests[3].``."""

    def __init__(self, payload: Mapping[str, Any], prefix: str) -> None:
        self.payload = payload
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def error(self, name: str, message: str) -> None:
        self.errors.append(FieldError(f"{self.prefix}{name}", message))

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        max_len: int,
        check: Callable[[str], str | None] = lambda _: None,
    ) -> str | None:
        if name not in self.payload or self.payload[name] is None:
            if required:
                self.error(name, "is required")
            return None
        value = self.payload[name]
        if not isinstance(value, str):
            self.error(name, "must be a string")
            return None
        if not value.strip():
            self.error(name, "must not be empty")
            return None
        if len(value) > max_len:
            self.error(name, f"must be at most {max_len} characters")
            return None
        problem = check(value)
        if problem:
            self.error(name, problem)
            return None
        return value


def parse_guest_request(payload: object, *, prefix: str = "") -> GuestRequest:
    """Validate one guest; raise ``ValidationFailed`` listing every bad field (paths under ``prefix``)."""
    if not isinstance(payload, dict):
        raise ValidationFailed(
            "The guest must be a JSON object.",
            errors=[FieldError(prefix.rstrip(".") or "$", "must be an object")],
        )
    fields = _Fields(payload, prefix)
    for name in sorted(set(payload) - GUEST_FIELDS):
        fields.error(name, "is not a known field")
    email = fields.string("email", required=True, max_len=MAX_EMAIL, check=email_problem)
    display_name = fields.string("displayName", max_len=MAX_DISPLAY_NAME, check=_printable)
    groups = _groups(fields)
    sponsor = fields.string("sponsor", max_len=64, check=_guid)
    redirect = fields.string("redirectUrl", max_len=MAX_URL, check=_https_url)
    external_ref = fields.string("externalRef", max_len=MAX_EXTERNAL_REF, check=_external_ref)
    invitation = _invitation(fields)
    override = _override(fields)
    if fields.errors or email is None:
        raise ValidationFailed(_summary(fields.errors), errors=fields.errors)
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
    if not isinstance(payload, dict):
        raise ValidationFailed(
            "The body must be a JSON object.", errors=[FieldError("$", "must be an object")]
        )
    extra = sorted(set(payload) - {"guests"})
    guests = payload.get("guests")
    errors = [FieldError(name, "is not a known field") for name in extra]
    if not isinstance(guests, list):
        errors.append(FieldError("guests", "is required and must be an array"))
    elif not 1 <= len(guests) <= max_guests:
        errors.append(FieldError("guests", f"must hold between 1 and {max_guests} guests"))
    if errors or not isinstance(guests, list):
        raise ValidationFailed(_summary(errors), errors=errors)
    parsed: list[GuestRequest | ValidationFailed] = []
    for index, item in enumerate(guests):
        try:
            parsed.append(parse_guest_request(item, prefix=f"guests[{index}]."))
        except ValidationFailed as exc:
            parsed.append(exc)
    return tuple(parsed)


def _groups(fields: _Fields) -> tuple[str, ...]:
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


def _invitation(fields: _Fields) -> InvitationOptions:
    value = fields.payload.get("invitation")
    if value is None:
        return InvitationOptions()
    if not isinstance(value, dict):
        fields.error("invitation", "must be an object")
        return InvitationOptions()
    inner = _Fields(value, f"{fields.prefix}invitation.")
    for name in sorted(set(value) - INVITATION_FIELDS):
        inner.error(name, "is not a known field")
    send = value.get("sendEmail", False)
    if not isinstance(send, bool):
        inner.error("sendEmail", "must be true or false")
        send = False
    message = inner.string("message", max_len=MAX_MESSAGE)
    language = inner.string("language", max_len=35, check=_language)
    fields.errors.extend(inner.errors)
    return InvitationOptions(send_email=send, message=message, language=language)


def _override(fields: _Fields) -> Override | None:
    value = fields.payload.get("override")
    if value is None:
        return None
    if not isinstance(value, dict):
        fields.error("override", "must be an object with a reason")
        return None
    inner = _Fields(value, f"{fields.prefix}override.")
    for name in sorted(set(value) - {"reason"}):
        inner.error(name, "is not a known field")
    reason = inner.string("reason", required=True, max_len=MAX_REASON, check=_printable)
    fields.errors.extend(inner.errors)
    return Override(reason=reason.strip()) if reason else None


def _summary(errors: list[FieldError]) -> str:
    names = ", ".join(e.field for e in errors[:5])
    more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
    return f"{len(errors)} field(s) are invalid: {names}{more}."


def _printable(value: str) -> str | None:
    return None if value.isprintable() else "must not contain control characters"


def _guid(value: str) -> str | None:
    return None if GUID.match(value) else "must be an object id (a GUID)"


def _language(value: str) -> str | None:
    return None if LANGUAGE.match(value) else "must be a language tag such as en-US"


def _external_ref(value: str) -> str | None:
    return None if EXTERNAL_REF.match(value) else "must be printable ASCII without leading or trailing spaces"


def _https_url(value: str) -> str | None:
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "https://["
        return "must be an absolute https URL"
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
        return "must be an absolute https URL"
    return None
