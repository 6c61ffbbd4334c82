"""Service principals, the app roles they define and the app-role assignments between them: records
and the seed data, no HTTP.

An app-role assignment whose principal is a service principal is an application permission: the
role's ``value`` (``User.Read.All``) is what tokens issued to that principal carry in ``roles``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

Json = dict[str, Any]

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"  # Microsoft Graph, the same in every tenant
MANAGED_IDENTITY = "ManagedIdentity"
APPLICATION = "Application"  # allowedMemberTypes value for app-only (service principal) assignment
USER = "User"  # allowedMemberTypes value for users and groups


@dataclass(frozen=True)
class AppRole:
    id: str
    value: str
    display_name: str
    description: str
    allowed_member_types: tuple[str, ...] = (APPLICATION,)

    def allows(self, principal_type: str) -> bool:
        member_type = APPLICATION if principal_type == "ServicePrincipal" else USER
        return member_type in self.allowed_member_types


@dataclass
class ServicePrincipal:
    id: str
    app_id: str
    display_name: str
    service_principal_type: str
    app_roles: list[AppRole] = field(default_factory=list)
    app_display_name: str | None = None
    app_owner_organization_id: str | None = None
    sign_in_audience: str | None = None
    service_principal_names: list[str] = field(default_factory=list)
    alternative_names: list[str] = field(default_factory=list)

    def app_role(self, role_id: str) -> AppRole | None:
        return next((r for r in self.app_roles if r.id.lower() == role_id.lower()), None)


@dataclass(frozen=True)
class AppRoleAssignment:
    id: str
    app_role_id: str
    principal_id: str
    principal_type: str  # User | Group | ServicePrincipal
    principal_display_name: str | None
    resource_id: str
    resource_display_name: str
    created: datetime


def microsoft_graph() -> ServicePrincipal:
    """Microsoft Graph's own service principal, with Microsoft's app-role ids (microsoft_graph.json)."""
    text = resources.files(__package__).joinpath("microsoft_graph.json").read_text(encoding="utf-8")
    raw: Json = json.loads(text)
    principal = service_principal_from_seed(raw, default_type=APPLICATION)
    principal.app_roles = [
        AppRole(r["id"], r["value"], r["displayName"], r["description"]) for r in raw["appRoles"]
    ]
    return principal


def service_principal_from_seed(raw: Json, *, default_type: str = MANAGED_IDENTITY) -> ServicePrincipal:
    """A service principal of a seed document's ``servicePrincipals`` (ids given, nothing generated)."""
    return ServicePrincipal(
        id=raw["id"].lower(),
        app_id=raw["appId"].lower(),
        display_name=raw["displayName"],
        service_principal_type=raw.get("servicePrincipalType", default_type),
        app_display_name=raw.get("appDisplayName"),
        app_owner_organization_id=raw.get("appOwnerOrganizationId"),
        sign_in_audience=raw.get("signInAudience"),
        service_principal_names=list(raw.get("servicePrincipalNames", [raw["appId"]])),
        alternative_names=list(raw.get("alternativeNames", [])),
    )
