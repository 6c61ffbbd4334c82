"""Users backend: read, update, soft delete, memberships and sponsors. No HTTP here.

Validation messages follow Graph's directory wording ("Invalid value specified for property
'x' of resource 'User'."); operations raise ``GraphError`` subclasses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from ...directory import Directory, Group, User
from ...errors import BadRequest, ResourceNotFound
from ...schema import schema
from ...state import TenantState
from ..directory_objects.lookup import find_object, find_user

_ALREADY_SPONSOR = (
    "One or more added object references already exist for the following modified properties: 'sponsors'."
)

Setter = Callable[[User, Any], None]

# getMemberGroups answers at most this many ids; more is a 400 Directory_ResultSizeLimitExceeded
# (user-getmembergroups, directoryobject-getmembergroups).
MAX_MEMBER_GROUPS = 11_000
_MEMBER_GROUPS_PARAMETER = "securityEnabledOnly"


def _invalid(name: str) -> BadRequest:
    return BadRequest(f"Invalid value specified for property '{name}' of resource 'User'.")


def _text(attr: str, name: str, *, clearable: bool = True) -> Setter:
    def apply(user: User, value: Any) -> None:
        if value is None and clearable:
            setattr(user, attr, None)
        elif isinstance(value, str) and (clearable or value.strip()):
            setattr(user, attr, value)
        else:
            raise _invalid(name)

    return apply


def _strings(attr: str, name: str) -> Setter:
    def apply(user: User, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(name)
        setattr(user, attr, list(value))

    return apply


def _choice(attr: str, name: str, allowed: tuple[object, ...]) -> Setter:
    def apply(user: User, value: Any) -> None:
        if value not in allowed or type(value) is not type(allowed[0]):
            raise _invalid(name)
        setattr(user, attr, value)

    return apply


# Properties PATCH /users/{id} accepts (a subset of Graph's updatable ones).
UPDATABLE: dict[str, Setter] = {
    "accountEnabled": _choice("account_enabled", "accountEnabled", (True, False)),
    "businessPhones": _strings("business_phones", "businessPhones"),
    "companyName": _text("company_name", "companyName"),
    "department": _text("department", "department"),
    "displayName": _text("display_name", "displayName", clearable=False),
    "givenName": _text("given_name", "givenName"),
    "jobTitle": _text("job_title", "jobTitle"),
    "mail": _text("mail", "mail"),
    "mobilePhone": _text("mobile_phone", "mobilePhone"),
    "officeLocation": _text("office_location", "officeLocation"),
    "otherMails": _strings("other_mails", "otherMails"),
    "preferredLanguage": _text("preferred_language", "preferredLanguage"),
    "surname": _text("surname", "surname"),
    "userType": _choice("user_type", "userType", ("Member", "Guest")),
}


def security_enabled_only(body: dict[str, Any]) -> bool:
    """The one parameter of a ``getMemberGroups`` body; anything else is a 400 (as OData refuses)."""
    for name in body:
        if name != _MEMBER_GROUPS_PARAMETER:
            raise BadRequest(
                f"The parameter '{name}' in the request payload is not a valid parameter for the "
                "operation 'getMemberGroups'.",
                code="BadRequest",
            )
    value = body.get(_MEMBER_GROUPS_PARAMETER)
    if not isinstance(value, bool):
        raise BadRequest(
            f"The parameter '{_MEMBER_GROUPS_PARAMETER}' is required and must be a Boolean.",
            code="BadRequest",
        )
    return value


def member_group_ids(directory: Directory, object_id: str, *, security_only: bool) -> list[str]:
    """Every live group ``object_id`` is a member of, directly or through nested groups.

    Breadth first, each level in directory order. With ``security_only``, only security groups
    count, and only as links in the chain: a security group reached through a distribution or
    Microsoft 365 group is not returned (observed Graph behaviour, microsoft-graph-docs issue 18429).
    """
    found: dict[str, None] = {}
    level = [object_id]
    while level:
        following: list[str] = []
        for member_id in level:
            for group in directory.groups_of(member_id):
                if security_only and not group.security_enabled:
                    continue
                if group.id != object_id and group.id not in found:
                    found[group.id] = None
                    following.append(group.id)
        level = following
    if len(found) > MAX_MEMBER_GROUPS:
        raise BadRequest(
            f"The result exceeds the maximum of {MAX_MEMBER_GROUPS} group ids; "
            "use the transitive memberOf list instead.",
            code="Directory_ResultSizeLimitExceeded",
        )
    return list(found)


class UsersBackend:
    def __init__(self, state: TenantState) -> None:
        self.state = state

    def get_user(self, key: str) -> User:
        return find_user(self.state, key)

    def list_users(self) -> list[User]:
        return self.state.directory.live_users()

    def update_user(self, key: str, changes: dict[str, Any]) -> User:
        """Apply every change or none: all values are validated before the first is written."""
        user = self.get_user(key)
        changes = {k: v for k, v in changes.items() if k != "@odata.type"}  # the SDK always sends it
        for name in changes:
            if name in UPDATABLE:
                continue
            if schema("user").has_property(name):
                raise BadRequest(f"Property '{name}' is read-only and cannot be set.")
            raise BadRequest(
                f"The property '{name}' does not exist on type 'microsoft.graph.user'. "
                "Make sure to only use property names that are defined by the type."
            )
        draft = replace(user)
        for name, value in changes.items():
            UPDATABLE[name](draft, value)
        for field in fields(user):
            setattr(user, field.name, getattr(draft, field.name))
        return user

    def delete_user(self, key: str) -> None:
        """Soft delete: restorable from deleted items; memberships come back on restore."""
        user = self.get_user(key)
        user.deleted = self.state.clock.now()

    def list_member_of(self, key: str) -> list[Group]:
        user = self.get_user(key)
        return self.state.directory.groups_of(user.id)

    def member_groups(self, key: str, *, security_only: bool) -> list[str]:
        """``getMemberGroups``: the ids of every group the user is in, transitively."""
        user = self.get_user(key)
        return member_group_ids(self.state.directory, user.id, security_only=security_only)

    def object_member_groups(self, key: str, *, security_only: bool) -> list[str]:
        """``/directoryObjects/{id}/getMemberGroups``: the same for a user or a group."""
        obj = find_object(self.state, key)
        return member_group_ids(self.state.directory, obj.id, security_only=security_only)

    def list_sponsors(self, key: str) -> list[User | Group]:
        return self.state.directory.objects(self.get_user(key).sponsors)

    def add_sponsor(self, key: str, sponsor_id: str) -> None:
        user = self.get_user(key)
        sponsor = find_object(self.state, sponsor_id)
        if sponsor.id in user.sponsors:
            raise BadRequest(_ALREADY_SPONSOR)
        user.sponsors.append(sponsor.id)

    def remove_sponsor(self, key: str, sponsor_id: str) -> None:
        user = self.get_user(key)
        if sponsor_id not in user.sponsors:
            raise ResourceNotFound(sponsor_id)
        user.sponsors.remove(sponsor_id)
