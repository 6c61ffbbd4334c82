"""Onboarding's audit rows: what a delivery changed, each under a key a retried delivery writes once.

Only what changed something is recorded, so a refused guest, or one sent again with nothing new,
writes nothing:

- ``onboarding.invite``: ``invited`` (detail: Graph's invitation status) when the guest's onboarding
  was not recorded before this request (a first onboarding, or an incomplete one being completed);
- ``onboarding.add-membership``: ``added``, one row per group Graph added the guest to;
- ``onboarding.add-sponsor``: ``added`` (detail: the sponsor's id);
- ``onboarding.cooldown-override``: ``accepted`` (detail: the reason; instance: the denial's round),
  written before any Graph write.

Keys: ``onboarding-{guest}-invited`` (a guest object is invited once: the first write is kept) and
``onboarding-{guest}-{delivery}-{what}``, where ``delivery`` is a hash of the webhook id. The sender's
retry of a delivery (the same id) therefore writes nothing twice, while a later delivery that adds
a guest back to a group a review removed it from is recorded again. The rows of one request go in
one bulk write (100 a transaction), never a table request per guest.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from shared.errors import GraphFailure, GuestkeeperError, StateUnavailable
from shared.onboarding.candidate import Candidate
from shared.onboarding.models import BulkItem, MembershipStatus, OnboardingResult, SponsorStatus
from shared.state import AuditRecord, AuditTrail

log = logging.getLogger("guestkeeper.onboarding")
KEY_PREFIX = "onboarding-"


class Action(StrEnum):
    INVITE = "onboarding.invite"
    ADD_MEMBERSHIP = "onboarding.add-membership"
    ADD_SPONSOR = "onboarding.add-sponsor"
    OVERRIDE = "onboarding.cooldown-override"


def delivery_tag(webhook_id: str) -> str:
    """A row-key-safe stand-in for a webhook id (which may hold characters row keys forbid)."""
    return hashlib.sha256(webhook_id.encode()).hexdigest()[:16]


def _key(guest_id: str, *parts: str) -> str:
    return KEY_PREFIX + "-".join((guest_id, *parts))


def _detail(**fields: str | None) -> str:
    return json.dumps(fields, separators=(",", ":"))


def _override(guest: Candidate, tag: str, now: datetime) -> AuditRecord | None:
    denial, override = guest.overridden, guest.request.override
    if denial is None or override is None:
        return None
    key = _key(denial.guest_id, tag, "override")
    return AuditRecord(
        Action.OVERRIDE,
        "accepted",
        now,
        guest_id=denial.guest_id,
        instance_id=denial.instance_id,
        detail=override.reason,
        key=key,
    )


async def record_overrides(
    trail: AuditTrail,
    guests: list[Candidate],
    delivery: str,
    now: datetime,
    errors: dict[int, GuestkeeperError],
) -> list[Candidate]:
    """Before any write, every override and its reason go to the audit trail, in one bulk write;
    if the table fails, the overriding guests are refused (503) and the others go on."""
    tag = delivery_tag(delivery)
    overrides = {g.index: r for g in guests if (r := _override(g, tag, now)) is not None}
    if not overrides:
        return guests
    try:
        await trail.record_audit_once(list(overrides.values()))
    except StateUnavailable as exc:
        errors.update(dict.fromkeys(overrides, exc))
        return [g for g in guests if g.index not in errors]
    for record in overrides.values():
        log.info(
            "cool-down overridden for guest %s (denied in instance %s)", record.guest_id, record.instance_id
        )
    return guests


def change_records(
    result: OnboardingResult, delivery: str, now: datetime, *, first: bool
) -> list[AuditRecord]:
    """The rows for what one guest's onboarding changed; ``first``: its onboarding was not recorded
    before this request, so the invitation is recorded too."""
    guest_id, tag = result.invited.user_id, delivery_tag(delivery)
    records = []
    if first:
        detail = _detail(invitationStatus=result.invited.status)
        records.append(
            AuditRecord(Action.INVITE, "invited", now, guest_id, detail=detail, key=_key(guest_id, "invited"))
        )
    for group in result.groups:
        if group.status is MembershipStatus.ADDED:
            key = _key(guest_id, tag, "member", group.group_id)
            records.append(
                AuditRecord(Action.ADD_MEMBERSHIP, "added", now, guest_id, group.group_id, key=key)
            )
    sponsor = result.sponsor
    if sponsor is not None and sponsor.status is SponsorStatus.ADDED:
        key = _key(guest_id, tag, "sponsor", sponsor.sponsor_id)
        detail = _detail(sponsorId=sponsor.sponsor_id)
        records.append(AuditRecord(Action.ADD_SPONSOR, "added", now, guest_id, detail=detail, key=key))
    return records


async def record_changes(
    trail: AuditTrail,
    written: Sequence[tuple[Candidate, OnboardingResult, list[GraphFailure]]],
    items: Sequence[BulkItem],
    delivery: str,
    now: datetime,
) -> None:
    """After the onboarding records: what every guest's Graph writes changed, in one bulk write.

    The invitation is recorded unless the request found the guest's onboarding recorded already
    (an answer of 200); an incomplete onboarding records what it did, and its retry the rest.
    """
    records = []
    for guest, result, _ in written:
        answered = items[guest.index].result
        records += change_records(result, delivery, now, first=answered is None or answered.created)
    if records:
        await trail.record_audit_once(records)
