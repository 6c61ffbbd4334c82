"""JSON forms of directory objects, shared by every resource that returns users or groups.

``user_json`` and ``group_json`` hold what the emulator stores; Graph's schema (``graph_emulator.schema``)
says what else each type has. A response carries the properties asked for (``$select``, else the
type's documented default set), in that order, with ``null`` or ``[]`` for those the emulator doesn't
store. Filters evaluate against the stored form, so ``externalUserState`` can be filtered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ...clock import format_datetime
from ...directory import Group, User
from ...errors import BadRequest
from ...odata import select
from ...schema import schema

Json = dict[str, Any]
Names = Sequence[str] | None  # property names; None: not given

# Graph's default user properties, in the order Graph returns them: user-get, example 1
# (https://learn.microsoft.com/en-us/graph/api/user-get?view=graph-rest-1.0).
USER_DEFAULT: tuple[str, ...] = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)

# Graph's default group properties, in the order Graph returns them ("All the default properties are
# returned"): group-get, example 1 (https://learn.microsoft.com/en-us/graph/api/group-get?view=graph-rest-1.0).
# Create and list return the same set (group resource: "Properties").
GROUP_DEFAULT: tuple[str, ...] = (
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "serviceProvisioningErrors",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
)

USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"


def _when(value: Any) -> str | None:
    return format_datetime(value) if value is not None else None


def user_json(user: User) -> Json:
    """What the emulator stores for a user; default properties first, in Graph's order."""
    return {
        "businessPhones": list(user.business_phones),
        "displayName": user.display_name,
        "givenName": user.given_name,
        "jobTitle": user.job_title,
        "mail": user.mail,
        "mobilePhone": user.mobile_phone,
        "officeLocation": user.office_location,
        "preferredLanguage": user.preferred_language,
        "surname": user.surname,
        "userPrincipalName": user.user_principal_name,
        "id": user.id,
        "accountEnabled": user.account_enabled,
        "companyName": user.company_name,
        "createdDateTime": _when(user.created),
        "creationType": user.creation_type,
        "deletedDateTime": _when(user.deleted),
        "department": user.department,
        "externalUserState": user.external_user_state,
        "externalUserStateChangeDateTime": _when(user.external_user_state_change),
        "otherMails": list(user.other_mails),
        "proxyAddresses": [f"SMTP:{user.mail}"] if user.mail else [],
        "userType": user.user_type,
    }


def security_identifier(object_id: str) -> str:
    """A stable SID-shaped value derived from the object id (Graph's ``S-1-12-1-…`` form)."""
    digest = hashlib.sha256(object_id.encode()).digest()
    parts = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return "S-1-12-1-" + "-".join(str(p) for p in parts)


def group_json(group: Group) -> Json:
    """What the emulator stores for a group (the rest of the default set renders as null or [])."""
    return {
        "id": group.id,
        "deletedDateTime": _when(group.deleted),
        "createdDateTime": _when(group.created),
        "description": group.description,
        "displayName": group.display_name,
        "groupTypes": list(group.group_types),
        "isAssignableToRole": group.is_assignable_to_role,
        "mail": group.mail,
        "mailEnabled": group.mail_enabled,
        "mailNickname": group.mail_nickname,
        "proxyAddresses": [f"SMTP:{group.mail}"] if group.mail else [],
        "renewedDateTime": _when(group.created),
        "resourceProvisioningOptions": list(group.resource_provisioning_options),
        "securityEnabled": group.security_enabled,
        "securityIdentifier": security_identifier(group.id),
        "visibility": group.visibility,
    }


@dataclass(frozen=True)
class DirectoryType:
    """How one directory type renders: its Graph type, stored form, default set and ``@odata.type``."""

    type_name: str
    stored: Callable[[Any], Json]
    default: tuple[str, ...]
    odata_type: str


USER = DirectoryType("user", user_json, USER_DEFAULT, USER_TYPE)
GROUP = DirectoryType("group", group_json, GROUP_DEFAULT, GROUP_TYPE)


def directory_type(obj: User | Group) -> DirectoryType:
    return USER if isinstance(obj, User) else GROUP


def select_expand_failed(detail: str) -> BadRequest:
    """Graph's refusal of a name by its ``$select``/``$expand`` parser: 400 ``BadRequest``
    "Parsing OData Select and Expand failed: " and the parser's own message."""
    return BadRequest(f"Parsing OData Select and Expand failed: {detail}", code="BadRequest")


def no_property(name: str, type_name: str) -> str:
    """OData's words for a name the type doesn't have; ``$orderby`` and ``$search`` answer them alone."""
    return f"Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'."


def unknown_name(name: str, type_name: str) -> BadRequest:
    """``$select`` or ``$expand`` of a name the type doesn't have (reported in msgraph-sdk-powershell#2103
    and msgraph-sdk-dotnet#1181)."""
    return select_expand_failed(no_property(name, type_name))


def selection(raw: str | None, *types: DirectoryType, type_name: str | None = None) -> list[str] | None:
    """The names of ``$select``; each must be a property or relationship of one of ``types``, else
    ``unknown_name``, naming ``type_name`` (the first type's by default)."""
    if not raw:
        return None
    names = [part.strip() for part in raw.split(",") if part.strip()]
    for name in names:
        if not any(schema(t.type_name).knows(name) for t in types):
            raise unknown_name(name, type_name or types[0].type_name)
    return names


def directory_object_selection(raw: str | None) -> list[str] | None:
    """``$select`` on a ``directoryObject`` collection (members, memberOf, sponsors, deleted items):
    a name of any type the collection holds (the emulator's choice), else refused naming
    ``directoryObject``."""
    return selection(raw, USER, GROUP, type_name="directoryObject")


def _chosen(obj: User | Group, fields: Names, default: Names) -> Sequence[str]:
    """The properties a response carries: those selected, else the default set."""
    return fields if fields is not None else (default or directory_type(obj).default)


def filled(obj: User | Group, fields: Names, default: Names = None) -> Json:
    """The stored form with every chosen property present and first, in the order asked: ``null`` or
    ``[]`` for one the emulator doesn't store. Relationships and other types' names are left out
    (Graph returns no relationship without ``$expand``)."""
    rendering = directory_type(obj)
    body = rendering.stored(obj)
    chosen = _chosen(obj, fields, default)
    if any(name not in body for name in chosen):  # only then is the schema needed
        known = schema(rendering.type_name)
        body |= {name: known.empty(name) for name in chosen if name not in body and known.has_property(name)}
    return {**{name: body[name] for name in chosen if name in body}, **body}


def entity_json(obj: User | Group, fields: Names, default: Names = None) -> Json:
    """One object as GET returns it: the chosen properties only."""
    return select(filled(obj, fields, default), _chosen(obj, fields, default))


def typed_item(obj: User | Group, fields: Names = None) -> Json:
    """An item of a ``directoryObject`` collection before ``$select``: the filled form with its
    ``@odata.type``, so ``$filter`` and ``$search`` see every stored property; ``list_response``
    then keeps each item's chosen properties (``item_default`` without ``$select``)."""
    return {"@odata.type": directory_type(obj).odata_type, **filled(obj, fields)}


def item_default(item: Json) -> tuple[str, ...]:
    """The default set of a ``typed_item``: a directoryObject collection holds users and groups, whose
    default sets differ."""
    return USER_DEFAULT if item["@odata.type"] == USER_TYPE else GROUP_DEFAULT


def typed(obj: User | Group, fields: Names = None, default: Names = None) -> Json:
    """One directory object as a ``directoryObject`` answers it: its ``@odata.type`` and the chosen
    properties."""
    return {"@odata.type": directory_type(obj).odata_type, **entity_json(obj, fields, default)}


def entity_fragment(collection: str, fields: Sequence[str] | None) -> str:
    """The ``@odata.context`` fragment of one entity: ``users/$entity`` or ``users(id,mail)/$entity``."""
    return f"{collection}({','.join(fields)})/$entity" if fields else f"{collection}/$entity"


def collection_fragment(collection: str, fields: Sequence[str] | None) -> str:
    return f"{collection}({','.join(fields)})" if fields else collection
