"""What the state table knows about one guest or one round: its audit records and, for a guest, its
onboarding record, latest review denial and disabled date. Table reads only, never Graph."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from shared.auditing.deps import AuditingDeps
from shared.auditing.query import GuestQuery
from shared.state import AuditRecord, AuditTrail, Denial, DisabledGuest, OnboardingRecord


@dataclass(frozen=True)
class GuestTrail:
    """``guest_id`` None: the address asked about leads to no guest Guestkeeper onboarded."""

    guest_id: str | None
    onboarding: OnboardingRecord | None = None
    denial: Denial | None = None
    disabled: DisabledGuest | None = None
    records: list[AuditRecord] = field(default_factory=list)

    @property
    def known(self) -> bool:
        """Whether Guestkeeper has anything at all about the guest."""
        return any((self.onboarding, self.denial, self.disabled, self.records))


async def guest_trail(deps: AuditingDeps, query: GuestQuery) -> GuestTrail:
    """An address is followed to its guest through its onboarding record; the rest is read at once."""
    if query.address_key is not None:
        onboarding = await deps.onboarding.get_onboarding(query.address_key)
        if onboarding is None:
            return GuestTrail(None)
        guest_id = onboarding.guest_id
    else:
        assert query.guest_id is not None  # parse_guest sets one of the two
        guest_id = query.guest_id
        onboarding = await deps.onboarding.onboarding_of_guest(guest_id)
    denial, disabled, records = await asyncio.gather(
        deps.denials.latest_denial(guest_id),
        deps.disabled.disabled_guest(guest_id),
        deps.trail.list_audit(guest_id=guest_id),
    )
    if _written_by_offboarding(onboarding, denial):
        onboarding = None
    return GuestTrail(guest_id, onboarding, denial, disabled, records)


def _written_by_offboarding(onboarding: OnboardingRecord | None, denial: Denial | None) -> bool:
    """An offboarding's cool-down writes the address's record (so onboarding finds its denial) with
    the denial's own date: that record leads to the guest but says nothing of an onboarding."""
    return bool(onboarding and denial and denial.by_offboarding and onboarding.created_at == denial.denied_at)


async def round_records(trail: AuditTrail, instance_id: str) -> list[AuditRecord]:
    """Every record of a review round, oldest first: its actions, summary, guard, failures, and the
    grace deletions of the guests it disabled."""
    return await trail.list_audit(instance_id=instance_id)
