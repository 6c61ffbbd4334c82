"""Which guest or round a request asks about: ``?guest=<user id or address>`` or ``?round=<instance id>``.

Pure parsing, every bad parameter named, the value never quoted back. An address is hashed here,
as onboarding records hash it (``shared.state.address_hash``), and goes no further: not into a
log, a problem document or the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shared.config import GUID
from shared.errors import FieldError, InvalidQuery
from shared.state import address_hash

MAX_ADDRESS = 254
IGNORED = frozenset({"code"})  # the function key, when sent in the query string


@dataclass(frozen=True)
class GuestQuery:
    """One guest, by object id or by the hash of its address (exactly one is set)."""

    guest_id: str | None = None
    address_key: str | None = None


@dataclass(frozen=True)
class RoundQuery:
    instance_id: str


def parse_query(params: Mapping[str, str]) -> GuestQuery | RoundQuery:
    """The one subject of ``params``; ``InvalidQuery`` names every bad or missing parameter."""
    errors = [
        FieldError(name, "is not a known parameter")
        for name in sorted(set(params) - {"guest", "round"} - IGNORED)
    ]
    guest, round_ = params.get("guest"), params.get("round")
    if guest is None and round_ is None:
        errors.append(FieldError("guest", "or round is required"))
    elif guest is not None and round_ is not None:
        errors.append(FieldError("round", "cannot be combined with guest: ask about one guest or one round"))
    subject: GuestQuery | RoundQuery | None = None
    try:
        if guest is not None:
            subject = parse_guest(guest)
        elif round_ is not None:
            subject = parse_round(round_)
    except InvalidQuery as exc:
        errors += exc.errors
    if errors or subject is None:
        raise InvalidQuery(
            f"{len(errors)} parameter(s) are invalid: {', '.join(e.field for e in errors)}.", errors=errors
        )
    return subject


def parse_guest(value: str) -> GuestQuery:
    """A user id (GUID) or an e-mail address, which is hashed at once."""
    text = value.strip()
    if GUID.match(text):
        return GuestQuery(guest_id=text.lower())
    local, at, domain = text.rpartition("@")
    plain = text.isascii() and text.isprintable() and " " not in text
    if len(text) <= MAX_ADDRESS and plain and at and local and "@" not in local and "." in domain.strip("."):
        return GuestQuery(address_key=address_hash(text))
    raise InvalidQuery(
        "guest is neither a user id nor an e-mail address.",
        errors=[FieldError("guest", "must be a user id (GUID) or an e-mail address")],
    )


def parse_round(value: str) -> RoundQuery:
    text = value.strip()
    if GUID.match(text):
        return RoundQuery(text.lower())
    raise InvalidQuery(
        "round is not a review instance id.",
        errors=[FieldError("round", "must be an access review instance id (GUID)")],
    )
