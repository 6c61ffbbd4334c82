"""Request and result records: frozen, typed, and safe to ``repr`` (addresses and reasons are hidden).

The JSON shapes are the contract in ``docs/openapi.yaml``; ``to_json`` here is the one place the
result shapes are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.errors import GuestkeeperError


@dataclass(frozen=True)
class OffboardRequest:
    """One guest to offboard, validated. ``email`` keeps the caller's spelling; ``address`` is normalised."""

    email: str = field(repr=False)
    external_ref: str | None = None
    reason: str | None = field(default=None, repr=False)
    cooldown: bool = True  # set the re-onboarding cool-down

    @property
    def address(self) -> str:
        return self.email.lower()


class GroupStatus(StrEnum):
    REMOVED = "removed"
    NOT_MEMBER = "notMember"


class AccountStatus(StrEnum):
    DISABLED = "disabled"
    KEPT_OTHER_ACCESS = "keptOtherAccess"  # still in a group Guestkeeper does not manage
    ALREADY_DISABLED = "alreadyDisabled"


@dataclass(frozen=True)
class GroupOutcome:
    group_id: str
    status: GroupStatus

    def to_json(self) -> dict[str, Any]:
        return {"groupId": self.group_id, "status": self.status.value}


@dataclass(frozen=True)
class OffboardingResult:
    """One guest offboarded (or, in a dry run, what offboarding it would do)."""

    user_id: str
    groups: tuple[GroupOutcome, ...]  # one per managed group, in id order
    account: AccountStatus
    delete_after: datetime | None  # when governance deletes the disabled guest; None: kept
    cooldown: bool  # the re-onboarding cool-down was set
    dry_run: bool = False
    external_ref: str | None = None

    @property
    def disabled(self) -> bool:
        return self.account is not AccountStatus.KEPT_OTHER_ACCESS

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "userId": self.user_id,
            "groups": [g.to_json() for g in self.groups],
            "account": self.account.value,
            "deleteAfter": self.delete_after.isoformat() if self.delete_after else None,
            "cooldown": self.cooldown,
            "dryRun": self.dry_run,
        }
        if self.external_ref is not None:
            body["externalRef"] = self.external_ref
        return body


@dataclass(frozen=True)
class BulkItem:
    """One entry of a bulk request: a result, or the error that refused or failed it."""

    index: int
    external_ref: str | None
    result: OffboardingResult | None = None
    error: GuestkeeperError | None = None


@dataclass(frozen=True)
class BulkOutcome:
    items: tuple[BulkItem, ...]
