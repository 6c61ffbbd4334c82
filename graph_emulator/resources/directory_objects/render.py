"""JSON forms of directory objects, shared by every resource that returns users or groups.

Filters evaluate against the *full* form (so ``externalUserState`` can be filtered), while
responses without ``$select`` are projected to Graph's default property set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from ...clock import format_datetime
from ...directory import Group, User
from ...errors import BadRequest

Json = dict[str, Any]

# Graph's default user properties, in the order Graph returns them (user resource docs).
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

USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"


def _when(value: Any) -> str | None:
    return format_datetime(value) if value is not None else None


def user_json(user: User) -> Json:
    """Every property the emulator knows for a user; default ones first, in Graph's order."""
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


USER_PROPERTIES: frozenset[str] = frozenset(user_json(User("", None, "", None)))


def security_identifier(object_id: str) -> str:
    """A stable SID-shaped value derived from the object id (Graph's ``S-1-12-1-…`` form)."""
    digest = hashlib.sha256(object_id.encode()).digest()
    parts = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return "S-1-12-1-" + "-".join(str(p) for p in parts)


def group_json(group: Group) -> Json:
    """A group's default properties (Graph returns the same set on create, get and list)."""
    return {
        "id": group.id,
        "deletedDateTime": _when(group.deleted),
        "classification": None,
        "createdDateTime": _when(group.created),
        "creationOptions": [],
        "description": group.description,
        "displayName": group.display_name,
        "expirationDateTime": None,
        "groupTypes": list(group.group_types),
        "isAssignableToRole": group.is_assignable_to_role,
        "mail": group.mail,
        "mailEnabled": group.mail_enabled,
        "mailNickname": group.mail_nickname,
        "membershipRule": None,
        "membershipRuleProcessingState": None,
        "onPremisesLastSyncDateTime": None,
        "onPremisesSecurityIdentifier": None,
        "onPremisesSyncEnabled": None,
        "preferredDataLocation": None,
        "preferredLanguage": None,
        "proxyAddresses": [f"SMTP:{group.mail}"] if group.mail else [],
        "renewedDateTime": _when(group.created),
        "resourceBehaviorOptions": [],
        "resourceProvisioningOptions": list(group.resource_provisioning_options),
        "securityEnabled": group.security_enabled,
        "securityIdentifier": security_identifier(group.id),
        "theme": None,
        "visibility": group.visibility,
        "onPremisesProvisioningErrors": [],
    }


GROUP_PROPERTIES: frozenset[str] = frozenset(group_json(Group("", "", "")))


def typed(obj: User | Group, *, default_only: bool = False) -> Json:
    """A member of a ``directoryObject`` collection: the object with its ``@odata.type``."""
    if isinstance(obj, User):
        body = user_json(obj)
        if default_only:
            body = {k: body[k] for k in USER_DEFAULT}
        return {"@odata.type": USER_TYPE, **body}
    return {"@odata.type": GROUP_TYPE, **group_json(obj)}


def check_select(raw: str | None, known: frozenset[str], type_name: str) -> list[str] | None:
    """Refuse ``$select`` names the type doesn't have, with Graph's message."""
    if not raw:
        return None
    fields = [part.strip() for part in raw.split(",") if part.strip()]
    for name in fields:
        if name not in known:
            raise BadRequest(
                f"Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'."
            )
    return fields


def entity_fragment(collection: str, fields: Sequence[str] | None) -> str:
    """The ``@odata.context`` fragment of one entity: ``users/$entity`` or ``users(id,mail)/$entity``."""
    return f"{collection}({','.join(fields)})/$entity" if fields else f"{collection}/$entity"


def collection_fragment(collection: str, fields: Sequence[str] | None) -> str:
    return f"{collection}({','.join(fields)})" if fields else collection


def select_fields(body: Json, fields: Sequence[str] | None, default: Sequence[str] | None = None) -> Json:
    """Project one entity like ``$select`` does; ``default`` applies when nothing was selected."""
    chosen = fields or default
    if not chosen:
        return body
    keep = set(chosen)
    return {k: v for k, v in body.items() if k in keep or k.startswith("@odata.")}
