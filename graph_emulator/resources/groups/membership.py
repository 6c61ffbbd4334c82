"""Group membership and ownership rules, shared by ``$ref`` calls and ``@odata.bind`` lists.

Graph's documented behaviour: adding an existing member is a 400 whose message names the
property ("One or more added object references already exist for the following modified
properties: 'members'."); an unknown object is a 404 ``Request_ResourceNotFound``; a bind list
with any bad entry adds nothing.
"""

from __future__ import annotations

from typing import Any

from ...directory import Group, User
from ...errors import BadRequest, ResourceNotFound
from ...state import TenantState
from ..directory_objects.lookup import find_group, find_object, resolve_reference


def already_exists(prop: str) -> BadRequest:
    return BadRequest(
        f"One or more added object references already exist for the following modified properties: '{prop}'."
    )


class MembershipBackend:
    def __init__(self, state: TenantState) -> None:
        self.state = state

    def list_members(self, group_key: str) -> list[User | Group]:
        """Live members in insertion order; soft-deleted ones reappear when restored."""
        return self.state.directory.objects(find_group(self.state, group_key).members)

    def list_owners(self, group_key: str) -> list[User | Group]:
        return self.state.directory.objects(find_group(self.state, group_key).owners)

    def add_member(self, group_key: str, object_id: str) -> None:
        group = find_group(self.state, group_key)
        member = find_object(self.state, object_id)
        if member.id in group.members:
            raise already_exists("members")
        if member.id == group.id:
            raise BadRequest("A group cannot be a member of itself.")
        group.members[member.id] = None

    def remove_member(self, group_key: str, object_id: str) -> None:
        group = find_group(self.state, group_key)
        if object_id not in group.members or self.state.directory.object(object_id) is None:
            raise ResourceNotFound(object_id)
        del group.members[object_id]

    def add_owner(self, group_key: str, object_id: str) -> None:
        group = find_group(self.state, group_key)
        owner = self._owner(find_object(self.state, object_id))
        if owner.id in group.owners:
            raise already_exists("owners")
        group.owners[owner.id] = None

    def remove_owner(self, group_key: str, object_id: str) -> None:
        """The last owner can't be removed once a group has owners (group-delete-owners)."""
        group = find_group(self.state, group_key)
        if object_id not in group.owners or self.state.directory.object(object_id) is None:
            raise ResourceNotFound(object_id)
        if len(self.state.directory.objects(group.owners)) == 1:
            raise BadRequest("The group must keep at least one owner; add another owner first.")
        del group.owners[object_id]

    def resolve_binds(
        self,
        body: dict[str, Any],
        *,
        group: Group | None = None,
        total_limit: int | None = None,
        per_list_limit: int | None = None,
    ) -> tuple[list[User], list[User | Group]]:
        """Resolve ``owners@odata.bind`` / ``members@odata.bind``; raise before anything changes."""
        owners = [self._owner(o) for o in self._bind(body, "owners", group, per_list_limit)]
        members = self._bind(body, "members", group, per_list_limit)
        if total_limit is not None and len(owners) + len(members) > total_limit:
            raise BadRequest(
                f"A maximum of {total_limit} owners and members can be added when a group is created."
            )
        return owners, members

    def _bind(
        self, body: dict[str, Any], prop: str, group: Group | None, limit: int | None
    ) -> list[User | Group]:
        raw = body.get(f"{prop}@odata.bind")
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise BadRequest(f"Invalid value specified for property '{prop}@odata.bind' of resource 'Group'.")
        if limit is not None and len(raw) > limit:
            raise BadRequest(f"Up to {limit} {prop} can be added in a single request.")
        resolved = [resolve_reference(self.state, value) for value in raw]
        existing = set() if group is None else set(getattr(group, prop))
        ids = [obj.id for obj in resolved]
        if len(set(ids)) != len(ids) or existing & set(ids):
            raise already_exists(prop)
        return resolved

    @staticmethod
    def _owner(obj: User | Group) -> User:
        if not isinstance(obj, User):
            raise BadRequest("Only users can be added as owners of a group in this emulator.")
        return obj
