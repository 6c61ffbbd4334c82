"""A guest in the running through the onboarding steps, and what the steps so far learnt about it."""

from __future__ import annotations

from dataclasses import dataclass

from shared.onboarding.models import GuestRequest, Invited
from shared.state import Denial


@dataclass
class Candidate:
    """A guest still in the running; ``key`` is its address hash, ``prefix`` its path in the request."""

    index: int
    request: GuestRequest
    prefix: str
    key: str
    overridden: Denial | None = None
    invited: Invited | None = None
