"""A guest in the running through the offboarding steps, and what the steps so far learnt about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.graph.guest_access import GuestFacts
from shared.offboarding.models import (
    AccountStatus,
    GroupOutcome,
    GroupStatus,
    OffboardingResult,
    OffboardRequest,
)


@dataclass
class Leaver:
    """``key`` is the address hash, ``prefix`` the entry's path in the request (``guests[3].``)."""

    index: int
    request: OffboardRequest
    prefix: str
    key: str
    facts: GuestFacts | None = None  # the guest found by address: id, type, state, groups
    groups: dict[str, GroupStatus] = field(default_factory=dict)  # managed group -> what was done
    account: AccountStatus | None = None
    delete_after: datetime | None = None

    @property
    def guest_id(self) -> str:
        assert self.facts is not None  # resolved before any step that asks
        return self.facts.guest_id

    def result(self, *, dry_run: bool) -> OffboardingResult:
        assert self.account is not None
        return OffboardingResult(
            user_id=self.guest_id,
            groups=tuple(GroupOutcome(g, s) for g, s in sorted(self.groups.items())),
            account=self.account,
            delete_after=self.delete_after,
            cooldown=self.request.cooldown,
            dry_run=dry_run,
            external_ref=self.request.external_ref,
        )
