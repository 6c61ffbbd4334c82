"""Directory objects held by the emulator: users and groups, with their relationships.

These records are shared by every resource package (users, groups, invitations, access reviews);
JSON rendering lives with the resource that serves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class User:
    id: str
    display_name: str | None
    user_principal_name: str
    mail: str | None
    user_type: str = "Member"  # Member | Guest
    account_enabled: bool = True
    given_name: str | None = None
    surname: str | None = None
    job_title: str | None = None
    company_name: str | None = None
    department: str | None = None
    business_phones: list[str] = field(default_factory=list)
    mobile_phone: str | None = None
    office_location: str | None = None
    preferred_language: str | None = None
    other_mails: list[str] = field(default_factory=list)
    external_user_state: str | None = None  # PendingAcceptance | Accepted | None
    external_user_state_change: datetime | None = None
    creation_type: str | None = None  # "Invitation" for guests
    created: datetime | None = None
    last_sign_in: datetime | None = None
    sponsors: list[str] = field(default_factory=list)
    deleted: datetime | None = None


@dataclass
class Group:
    id: str
    display_name: str
    mail_nickname: str
    description: str | None = None
    mail: str | None = None
    mail_enabled: bool = False
    security_enabled: bool = True
    group_types: list[str] = field(default_factory=list)
    is_assignable_to_role: bool = False
    visibility: str | None = None
    # Set by the service ("Team" once a team is created for the group), never by clients.
    resource_provisioning_options: list[str] = field(default_factory=list)
    created: datetime | None = None
    members: dict[str, None] = field(default_factory=dict)  # insertion-ordered set of object ids
    owners: dict[str, None] = field(default_factory=dict)
    deleted: datetime | None = None

    @property
    def is_unified(self) -> bool:
        return "Unified" in self.group_types


class Directory:
    """Users and groups by id; soft-deleted objects stay here with ``deleted`` set."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}

    def live_users(self) -> list[User]:
        return [u for u in self.users.values() if u.deleted is None]

    def live_groups(self) -> list[Group]:
        return [g for g in self.groups.values() if g.deleted is None]

    def user(self, key: str) -> User | None:
        """A live user by object id or (case-insensitively) by user principal name."""
        found = self.users.get(key)
        if found is None and "@" in key:
            folded = key.casefold()
            live = (u for u in self.users.values() if u.deleted is None)
            found = next((u for u in live if u.user_principal_name.casefold() == folded), None)
        return found if found is not None and found.deleted is None else None

    def group(self, key: str) -> Group | None:
        found = self.groups.get(key)
        return found if found is not None and found.deleted is None else None

    def object(self, key: str) -> User | Group | None:
        return self.user(key) or self.group(key)

    def objects(self, ids: Iterable[str]) -> list[User | Group]:
        """The live objects among ``ids``, in their order (relationships keep deleted ones' ids)."""
        found = (self.object(i) for i in ids)
        return [obj for obj in found if obj is not None]

    def groups_of(self, object_id: str) -> list[Group]:
        return [g for g in self.live_groups() if object_id in g.members]
