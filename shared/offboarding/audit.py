"""Offboarding's audit trail: one keyed row per membership removed, one per account decision and one
per guest offboarded, so an auditor can tell who asked, why, and what changed.

Keys are ``offboarding-{delivery}-{guest}-...``, where the delivery is a digest of the webhook id:
a redelivery of the same event (the sender's retry after a crash) writes the rows the first attempt
did not, and keeps those it did (first write wins); a new event gets rows of its own. Dry runs
write under ``offboarding-{delivery}-dryrun-...`` and overwrite each other. Rows carry object ids,
outcomes, the HR reference and reason; never an address or a name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shared.offboarding.leaver import Leaver
from shared.offboarding.models import AccountStatus, GroupStatus
from shared.state import AuditRecord, AuditTrail

KEY_PREFIX = "offboarding-"


class Action(StrEnum):
    REMOVE = "offboarding.remove-membership"
    ACCOUNT = "offboarding.disable-account"
    GUEST = "offboarding.guest"  # the summary: the request's reference, reason and outcome


class Outcome(StrEnum):
    REMOVED = "removed"
    DISABLED = "disabled"
    ALREADY_DISABLED = "already-disabled"
    KEPT_OTHER_GROUPS = "kept-other-groups"
    OFFBOARDED = "offboarded"  # the summary of a guest that keeps its account
    DRY_RUN = "dry-run"


ACCOUNT_OUTCOMES = {
    AccountStatus.DISABLED: Outcome.DISABLED,
    AccountStatus.ALREADY_DISABLED: Outcome.ALREADY_DISABLED,
    AccountStatus.KEPT_OTHER_ACCESS: Outcome.KEPT_OTHER_GROUPS,
}


def delivery_prefix(webhook_id: str) -> str:
    """``offboarding-{digest}-``: a webhook id may hold characters a row key may not."""
    return f"{KEY_PREFIX}{hashlib.sha256(webhook_id.encode()).hexdigest()[:24]}-"


@dataclass
class Trail:
    """The rows of one delivery: what earlier attempts recorded, and writing the new ones."""

    audit: AuditTrail
    webhook_id: str
    at: datetime
    dry_run: bool
    earlier: dict[str, AuditRecord] = field(default_factory=dict)  # by key, real rows only

    async def load(self) -> None:
        """What an earlier attempt of this delivery recorded (one range read)."""
        rows = await self.audit.audit_with_key_prefix(delivery_prefix(self.webhook_id))
        self.earlier = {r.key: r for r in rows if r.key and "-dryrun-" not in r.key}

    def first_group_status(self, leaver: Leaver, group_id: str, now: GroupStatus) -> GroupStatus:
        """``removed`` if an earlier attempt removed it (the membership is gone now either way)."""
        return GroupStatus.REMOVED if self._key(leaver, "group", group_id) in self.earlier else now

    def first_account_status(self, leaver: Leaver, now: AccountStatus) -> AccountStatus:
        """The account outcome an earlier attempt recorded, if any (its PATCH is not repeated)."""
        row = self.earlier.get(self._key(leaver, "account"))
        recorded = {o.value: s for s, o in ACCOUNT_OUTCOMES.items()}
        return recorded.get(row.outcome, now) if row is not None else now

    async def removals(self, leavers: Iterable[Leaver]) -> None:
        """The memberships removed, right after the removals and before any account is touched."""
        await self._write(
            [
                self._row(leaver, Action.REMOVE, Outcome.REMOVED, ("group", group_id), group_id=group_id)
                for leaver in leavers
                for group_id, status in sorted(leaver.groups.items())
                if status is GroupStatus.REMOVED
            ]
        )

    async def settled(self, leavers: Sequence[Leaver]) -> None:
        """Each guest's account decision and its summary (in a dry run: what would be done)."""
        rows: list[AuditRecord] = []
        for leaver in leavers:
            assert leaver.account is not None
            if self.dry_run:
                rows += [
                    self._row(
                        leaver,
                        Action.REMOVE,
                        Outcome.DRY_RUN,
                        ("group", g),
                        group_id=g,
                        detail="would remove",
                    )
                    for g, status in sorted(leaver.groups.items())
                    if status is GroupStatus.REMOVED
                ]
            account = Outcome.DRY_RUN if self.dry_run else ACCOUNT_OUTCOMES[leaver.account]
            detail = f"would be {leaver.account.value}" if self.dry_run else None
            rows.append(self._row(leaver, Action.ACCOUNT, account, ("account",), detail=detail))
            rows.append(
                self._row(
                    leaver, Action.GUEST, self._summary_outcome(leaver), ("guest",), detail=_detail(leaver)
                )
            )
        await self._write(rows)

    def _summary_outcome(self, leaver: Leaver) -> Outcome:
        if self.dry_run:
            return Outcome.DRY_RUN
        return Outcome.OFFBOARDED if leaver.account is AccountStatus.KEPT_OTHER_ACCESS else Outcome.DISABLED

    async def _write(self, rows: list[AuditRecord]) -> None:
        if rows:
            await self.audit.record_audit_once(rows, replace=self.dry_run)

    def _key(self, leaver: Leaver, *parts: str) -> str:
        dry = "dryrun-" if self.dry_run else ""
        return delivery_prefix(self.webhook_id) + dry + "-".join((leaver.guest_id, *parts))

    def _row(
        self,
        leaver: Leaver,
        action: Action,
        outcome: Outcome,
        parts: tuple[str, ...],
        *,
        group_id: str | None = None,
        detail: str | None = None,
    ) -> AuditRecord:
        return AuditRecord(
            action=action,
            outcome=outcome,
            at=self.at,
            guest_id=leaver.guest_id,
            group_id=group_id,
            detail=detail,
            key=self._key(leaver, *parts),
        )


def _detail(leaver: Leaver) -> str:
    """The summary row's detail: compact JSON with what HR sent and what it led to."""
    removed = sum(1 for s in leaver.groups.values() if s is GroupStatus.REMOVED)
    body = {
        "externalRef": leaver.request.external_ref,
        "reason": leaver.request.reason,
        "account": leaver.account.value if leaver.account else None,
        "groupsRemoved": removed,
        "deleteAfter": leaver.delete_after.isoformat() if leaver.delete_after else None,
        "cooldown": leaver.request.cooldown,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
