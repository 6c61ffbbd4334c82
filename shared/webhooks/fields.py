"""Field checks every signed HR endpoint shares: the e-mail address rule, the HR system's reference,
free text, and a collector that names each bad field by its path in the body.

Pure, no I/O. Messages never quote the submitted value, so a problem document or a log line cannot
carry an address back out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from shared.errors import FieldError, ValidationFailed

T = TypeVar("T")

MAX_EMAIL = 254
MAX_EXTERNAL_REF = 128
MAX_REASON = 1000
# A conservative subset of what Graph accepts: letters, digits, '_', '.', '-', and "'" (o'brien)
# inside the local part; '.', '-' and "'" never first, last or doubled up.
LOCAL_PART = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_'.-]{0,62}[A-Za-z0-9_])?$")
DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
TOP_LEVEL = re.compile(r"^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")
EXTERNAL_REF = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$")


def email_problem(value: str) -> str | None:
    """Why ``value`` is not an address we invite (or look up), or None. Never quotes the value."""
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


class Fields:
    """Collects field errors under a path prefix such as ``guests[3].``."""

    def __init__(self, payload: Mapping[str, Any], prefix: str) -> None:
        self.payload = payload
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def error(self, name: str, message: str) -> None:
        self.errors.append(FieldError(f"{self.prefix}{name}", message))

    def unknown(self, known: frozenset[str]) -> None:
        """Name every field the endpoint does not know."""
        for name in sorted(set(self.payload) - known):
            self.error(name, "is not a known field")

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

    def boolean(self, name: str, default: bool) -> bool:
        value = self.payload.get(name, default)
        if not isinstance(value, bool):
            self.error(name, "must be true or false")
            return default
        return value


def summary(errors: list[FieldError]) -> str:
    names = ", ".join(e.field for e in errors[:5])
    more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
    return f"{len(errors)} field(s) are invalid: {names}{more}."


def printable_problem(value: str) -> str | None:
    return None if value.isprintable() else "must not contain control characters"


def external_ref_problem(value: str) -> str | None:
    return None if EXTERNAL_REF.match(value) else "must be printable ASCII without leading or trailing spaces"


def parse_bulk(
    payload: object, *, max_guests: int, parse: Callable[[object, str], T]
) -> tuple[T | ValidationFailed, ...]:
    """The bulk envelope ``{"guests": [...]}``: envelope errors raise; each entry is parsed on its own
    (``parse(entry, "guests[i].")``) and keeps its own ``ValidationFailed``."""
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
        raise ValidationFailed(summary(errors), errors=errors)
    parsed: list[T | ValidationFailed] = []
    for index, item in enumerate(guests):
        try:
            parsed.append(parse(item, f"guests[{index}]."))
        except ValidationFailed as exc:
            parsed.append(exc)
    return tuple(parsed)


def require_object(payload: object, prefix: str, what: str) -> dict[str, Any]:
    """The payload as a JSON object, or ``ValidationFailed`` naming its path (``$`` at the top)."""
    if not isinstance(payload, dict):
        raise ValidationFailed(
            f"The {what} must be a JSON object.",
            errors=[FieldError(prefix.rstrip(".") or "$", "must be an object")],
        )
    return payload


def repeated_address(seen: Mapping[str, int], key: str, prefix: str) -> ValidationFailed | None:
    """The refusal for an address (by its hash) that an earlier entry of the same bulk request named."""
    if key not in seen:
        return None
    field = FieldError(f"{prefix}email", f"repeats the address of guests[{seen[key]}]")
    return ValidationFailed("A bulk request names an address twice.", errors=[field])
