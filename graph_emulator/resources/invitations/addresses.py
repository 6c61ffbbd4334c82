"""The invited e-mail address rule from Graph's invitation resource.

The user-name part may not contain ``~ ! # $ % ^ & * ( ) + = [ ] { } \\ / | ; : " < > ? ,``;
a period or hyphen is allowed except at its start or end; an underscore is allowed anywhere.
The apostrophe is allowed (``o'brien@x.com`` is valid and must be escaped in ``$filter``).
"""

from __future__ import annotations

import re

from ...errors import BadRequest

FORBIDDEN = frozenset('~!#$%^&*()+=[]{}\\/|;:"<>?,')
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
INVALID_ADDRESS = "The invitedUserEmailAddress property is not a valid e-mail address."


def validate_email(address: str) -> None:
    """Raise 400 for an address Graph would refuse (the message never echoes the address)."""
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    valid = (
        bool(at and local and domain)
        and "@" not in local
        and not any(c in FORBIDDEN or c.isspace() for c in local)
        and local[0] not in ".-"
        and local[-1] not in ".-"
        and len(labels) >= 2
        and all(_LABEL.match(label) for label in labels)
    )
    if not valid:
        raise BadRequest(INVALID_ADDRESS, code="BadRequest")
