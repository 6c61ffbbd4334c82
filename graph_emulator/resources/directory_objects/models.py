"""Deleted items (the directory's 30-day recycle bin): list, get, restore, delete permanently.

Soft-deleted users and Microsoft 365 groups keep their records (``deleted`` set) and their
membership links, so a restore brings memberships back, as Entra does ("The user is also
restored to any groups they were a member of"). Security groups are deleted permanently.
"""

from __future__ import annotations

from typing import Literal

from ...directory import Group, User
from ...errors import BadRequest, ResourceNotFound
from ...state import TenantState

Kind = Literal["user", "group"]


def purge(state: TenantState, object_id: str) -> None:
    """Remove an object for good, with every link that points at it."""
    directory = state.directory
    directory.users.pop(object_id, None)
    directory.groups.pop(object_id, None)
    for group in directory.groups.values():
        group.members.pop(object_id, None)
        group.owners.pop(object_id, None)
    for user in directory.users.values():
        if object_id in user.sponsors:
            user.sponsors.remove(object_id)


class DeletedItemsBackend:
    def __init__(self, state: TenantState) -> None:
        self.state = state

    def list_deleted_items(self, kind: Kind) -> list[User | Group]:
        source = self.state.directory.users if kind == "user" else self.state.directory.groups
        return [obj for obj in source.values() if obj.deleted is not None]

    def get_deleted_item(self, object_id: str) -> User | Group:
        directory = self.state.directory
        found: User | Group | None = directory.users.get(object_id) or directory.groups.get(object_id)
        if found is None or found.deleted is None:
            raise ResourceNotFound(object_id)
        return found

    def restore_deleted_item(self, object_id: str) -> User | Group:
        """Bring the object back; refused while a live object holds its UPN or mail address."""
        obj = self.get_deleted_item(object_id)
        directory = self.state.directory
        if isinstance(obj, User):
            if directory.user(obj.user_principal_name) is not None:
                raise BadRequest(
                    "Another object with the same value for property userPrincipalName already exists."
                )
        elif obj.mail and any(
            g.mail and g.mail.casefold() == obj.mail.casefold() for g in directory.live_groups()
        ):
            raise BadRequest("Another object with the same value for property proxyAddresses already exists.")
        obj.deleted = None
        return obj

    def delete_deleted_item(self, object_id: str) -> None:
        self.get_deleted_item(object_id)
        purge(self.state, object_id)
