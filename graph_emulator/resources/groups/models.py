"""Groups backend: create (with owners/members binds), read, update, delete. No HTTP here.

Validation follows Graph's directory wording ("Invalid value specified for property 'x' of
resource 'Group'."). Deleting a Microsoft 365 group is a soft delete (restorable from deleted
items); security groups are deleted permanently, as Graph documents.
"""

from __future__ import annotations

import re
from typing import Any

from ...directory import Group
from ...errors import BadRequest
from ...schema import schema
from ...state import TenantState
from ..directory_objects.lookup import find_group
from ..directory_objects.models import purge
from .membership import MembershipBackend

# mailNickname: ASCII 0-127 except @ ( ) \ [ ] " ; : . < > , and space (group-post-groups).
_NICKNAME = re.compile(r"^[\x21-\x7e]{1,64}$")
_NICKNAME_FORBIDDEN = frozenset('@()\\[]";:.<>, ')
_VISIBILITY = ("Public", "Private", "HiddenMembership")
_GROUP_TYPES = ("Unified", "DynamicMembership")
BINDS = ("members@odata.bind", "owners@odata.bind")
CREATE_ONLY = ("groupTypes", "isAssignableToRole", "mailEnabled", "securityEnabled")
UPDATABLE = ("description", "displayName", "mailNickname", "visibility")


def invalid(name: str) -> BadRequest:
    return BadRequest(f"Invalid value specified for property '{name}' of resource 'Group'.")


def _check_known(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name in body:
        if name in allowed or name in BINDS or name == "@odata.type":
            continue
        if schema("group").has_property(name):
            raise BadRequest(f"Property '{name}' is read-only and cannot be set.")
        raise BadRequest(
            f"The property '{name}' does not exist on type 'microsoft.graph.group'. "
            "Make sure to only use property names that are defined by the type."
        )


def _optional_text(body: dict[str, Any], name: str, *, limit: int = 256) -> str | None:
    value = body.get(name)
    return None if value is None else _required_text(body, name, limit=limit)


def _required_text(body: dict[str, Any], name: str, *, limit: int = 256) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise invalid(name)
    return value


def _nickname(body: dict[str, Any]) -> str:
    value = _required_text(body, "mailNickname", limit=64)
    if not _NICKNAME.match(value) or _NICKNAME_FORBIDDEN & set(value):
        raise invalid("mailNickname")
    return value


def _flag(body: dict[str, Any], name: str, *, required: bool) -> bool:
    value = body.get(name)
    if value is None and not required:
        return False
    if not isinstance(value, bool):
        raise invalid(name)
    return value


def _choice(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    value = body.get(name)
    if value is not None and value not in allowed:
        raise invalid(name)
    return value


def _group_types(body: dict[str, Any]) -> list[str]:
    value = body.get("groupTypes") or []
    if not isinstance(value, list) or any(v not in _GROUP_TYPES for v in value):
        raise invalid("groupTypes")
    return list(dict.fromkeys(value))


def _default_visibility(group_types: list[str], assignable: bool) -> str | None:
    """Graph's doc examples: a new Microsoft 365 group is Public, a role-assignable one Private."""
    if "Unified" not in group_types:
        return None
    return "Private" if assignable else "Public"


class GroupsBackend:
    def __init__(self, state: TenantState) -> None:
        self.state = state
        self.membership = MembershipBackend(state)

    def create_group(self, body: dict[str, Any]) -> Group:
        """Validate everything, resolve every bind, then create: nothing is half-made."""
        _check_known(body, (*UPDATABLE, *CREATE_ONLY))
        display_name = _required_text(body, "displayName")
        nickname = _nickname(body)
        mail_enabled = _flag(body, "mailEnabled", required=True)
        security_enabled = _flag(body, "securityEnabled", required=True)
        group_types = _group_types(body)
        assignable = _flag(body, "isAssignableToRole", required=False)
        if assignable and (not security_enabled or "DynamicMembership" in group_types):
            raise invalid("isAssignableToRole")
        visibility = _choice(body, "visibility", _VISIBILITY)
        mail = f"{nickname}@{self.state.domain}" if mail_enabled else None
        self._check_mail_free(mail)
        owners, members = self.membership.resolve_binds(body, total_limit=20)
        group = Group(
            id=self.state.ids.new_id(),
            display_name=display_name,
            mail_nickname=nickname,
            description=_optional_text(body, "description", limit=1024),
            mail=mail,
            mail_enabled=mail_enabled,
            security_enabled=security_enabled,
            group_types=group_types,
            is_assignable_to_role=assignable,
            visibility=visibility or _default_visibility(group_types, assignable),
            created=self.state.clock.now(),
            owners=dict.fromkeys(o.id for o in owners),
            members=dict.fromkeys(m.id for m in members),
        )
        self.state.directory.groups[group.id] = group
        self.state.faults.created(group.id)
        return group

    def get_group(self, key: str) -> Group:
        return find_group(self.state, key)

    def list_groups(self) -> list[Group]:
        return self.state.directory.live_groups()

    def update_group(self, key: str, body: dict[str, Any]) -> Group:
        """PATCH: properties and up to 20 ``members@odata.bind``; all or nothing."""
        group = self.get_group(key)
        _check_known(body, UPDATABLE)
        changes: dict[str, Any] = {}
        if "displayName" in body:
            changes["display_name"] = _required_text(body, "displayName")
        if "mailNickname" in body:
            changes["mail_nickname"] = _nickname(body)
        if "description" in body:
            changes["description"] = _optional_text(body, "description", limit=1024)
        if "visibility" in body:
            changes["visibility"] = _choice(body, "visibility", _VISIBILITY)
        owners, members = self.membership.resolve_binds(body, group=group, per_list_limit=20)
        for attr, value in changes.items():
            setattr(group, attr, value)
        group.owners.update(dict.fromkeys(o.id for o in owners))
        group.members.update(dict.fromkeys(m.id for m in members))
        return group

    def delete_group(self, key: str) -> None:
        group = self.get_group(key)
        if group.is_unified:
            group.deleted = self.state.clock.now()
        else:
            purge(self.state, group.id)

    def _check_mail_free(self, mail: str | None) -> None:
        if mail is None:
            return
        taken = (g.mail for g in self.state.directory.groups.values())
        if any(t is not None and t.casefold() == mail.casefold() for t in taken):
            raise BadRequest("Another object with the same value for property proxyAddresses already exists.")
