"""Request and result records: frozen, typed, and safe to ``repr`` (addresses and names are hidden).

The JSON shapes are the contract in ``docs/openapi.yaml``; ``to_json`` here is the one place the
result shapes are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shared.errors import GuestkeeperError


@dataclass(frozen=True)
class InvitationOptions:
    """Graph's ``sendInvitationMessage`` and ``invitedUserMessageInfo``."""

    send_email: bool = False
    message: str | None = field(default=None, repr=False)
    language: str | None = None


@dataclass(frozen=True)
class Override:
    """An explicit override of the review cool-down; the reason is recorded in the audit trail."""

    reason: str = field(repr=False)


@dataclass(frozen=True)
class GuestRequest:
    """One guest to onboard, validated. ``email`` keeps the caller's spelling; ``address`` is normalised."""

    email: str = field(repr=False)
    groups: tuple[str, ...]  # lower-case group object ids, unique, in request order
    display_name: str | None = field(default=None, repr=False)
    sponsor: str | None = None  # object id of an internal user
    redirect_url: str | None = None
    invitation: InvitationOptions = InvitationOptions()
    external_ref: str | None = None
    override: Override | None = None

    @property
    def address(self) -> str:
        """The address as the directory compares it: case-insensitive."""
        return self.email.lower()

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


class MembershipStatus(StrEnum):
    ADDED = "added"
    ALREADY_MEMBER = "alreadyMember"
    FAILED = "failed"


class SponsorStatus(StrEnum):
    ADDED = "added"
    ALREADY_SPONSOR = "alreadySponsor"
    FAILED = "failed"


@dataclass(frozen=True)
class GroupOutcome:
    group_id: str
    status: MembershipStatus
    error: str | None = None  # Graph's error code when failed

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"groupId": self.group_id, "status": self.status.value}
        if self.error:
            body["error"] = self.error
        return body


@dataclass(frozen=True)
class SponsorOutcome:
    sponsor_id: str
    status: SponsorStatus
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"sponsorId": self.sponsor_id, "status": self.status.value}
        if self.error:
            body["error"] = self.error
        return body


@dataclass(frozen=True)
class Invited:
    """What the invitation returned: the guest's object id is what we use everywhere after."""

    user_id: str
    status: str | None
    redeem_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OnboardingResult:
    """One guest onboarded: ``created`` when this request created its onboarding record (201)."""

    created: bool
    invited: Invited
    groups: tuple[GroupOutcome, ...]
    sponsor: SponsorOutcome | None = None
    external_ref: str | None = None
    override_recorded: bool = False

    @property
    def complete(self) -> bool:
        failed = any(g.status is MembershipStatus.FAILED for g in self.groups)
        return not failed and (self.sponsor is None or self.sponsor.status is not SponsorStatus.FAILED)

    @property
    def http_status(self) -> int:
        return 201 if self.created else 200

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "userId": self.invited.user_id,
            "created": self.created,
            "invitationStatus": self.invited.status,
            "groups": [g.to_json() for g in self.groups],
        }
        if self.invited.redeem_url:
            body["inviteRedeemUrl"] = self.invited.redeem_url
        if self.sponsor is not None:
            body["sponsor"] = self.sponsor.to_json()
        if self.external_ref is not None:
            body["externalRef"] = self.external_ref
        if self.override_recorded:
            body["overrideRecorded"] = True
        return body


@dataclass(frozen=True)
class BulkItem:
    """One entry of a bulk request: a result, or the error that refused or failed it."""

    index: int
    external_ref: str | None
    result: OnboardingResult | None = None
    error: GuestkeeperError | None = None


@dataclass(frozen=True)
class BulkOutcome:
    items: tuple[BulkItem, ...]
