"""The service-principal backend: the tenant's service principals and app-role assignments, and their
rules. No HTTP: methods raise ``GraphError`` subclasses and are called by handlers and the control plane.

It lives in ``state.extensions["servicePrincipals"]``: ``backend_of`` creates it on first use with
Microsoft Graph's service principal and the seed's ``servicePrincipals`` (``reset()`` drops it, so
the next use starts from the seed again). Seeded objects carry their ids, so creating the backend
draws nothing from the tenant's id sequence.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import uuid
from typing import Any

from graph_emulator.clock import format_datetime
from graph_emulator.directory import User
from graph_emulator.errors import BadRequest, ResourceNotFound
from graph_emulator.state import TenantState

from ..directory_objects.lookup import find_object
from .models import (
    GRAPH_APP_ID,
    MANAGED_IDENTITY,
    AppRole,
    AppRoleAssignment,
    Json,
    ServicePrincipal,
    microsoft_graph,
    service_principal_from_seed,
)

EXTENSION_KEY = "servicePrincipals"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Observed Graph answers (the pages document no error bodies): granting an existing assignment, and
# an app role the resource does not define for that kind of principal.
ALREADY_ASSIGNED = "Permission being assigned already exists on the object"
ROLE_NOT_FOUND = "Permission being assigned was not found on application '{}'."


def _invalid(name: str) -> BadRequest:
    return BadRequest(f"Invalid value specified for property '{name}' of resource 'AppRoleAssignment'.")


def _guid(body: Json, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not GUID.match(value):
        raise _invalid(name)
    return value.lower()


class ServicePrincipalsBackend:
    def __init__(self, state: TenantState) -> None:
        self.state = state
        self.principals: dict[str, ServicePrincipal] = {}
        self.assignments: dict[str, AppRoleAssignment] = {}
        for principal in (microsoft_graph(), *map(service_principal_from_seed, self._seeded())):
            self.principals[principal.id] = principal

    def _seeded(self) -> list[Json]:
        raw = self.state.seed.get("servicePrincipals", [])
        return [p for p in raw if p.get("appId") != GRAPH_APP_ID]  # Graph's own is built in

    # -- service principals ------------------------------------------------------------------------

    def list_principals(self) -> list[ServicePrincipal]:
        return list(self.principals.values())

    def get(self, principal_id: str) -> ServicePrincipal:
        """A service principal by object id, or 404 as Graph answers for any unknown object."""
        principal = self.principals.get(principal_id.lower())
        if principal is None:
            raise ResourceNotFound(principal_id)
        return principal

    def find(self, key: str) -> ServicePrincipal | None:
        """By object id or appId (the control plane accepts either, as token requests name a client)."""
        folded = key.lower()
        return self.principals.get(folded) or next(
            (p for p in self.principals.values() if p.app_id.lower() == folded), None
        )

    def graph(self) -> ServicePrincipal:
        return next(p for p in self.principals.values() if p.app_id == GRAPH_APP_ID)

    def add_managed_identity(
        self, display_name: str, *, app_id: str | None, object_id: str | None
    ) -> ServicePrincipal:
        """What Azure creates when a resource gets a managed identity (control plane only)."""
        principal_id = (object_id or self.state.ids.new_id()).lower()
        app = (app_id or self.state.ids.new_id()).lower()
        if any(not GUID.match(v) for v in (principal_id, app)):
            raise BadRequest("id and appId must be GUIDs.", code="EmulatorBadRequest")
        if self.find(principal_id) or self.find(app):
            raise BadRequest("A service principal with that id or appId exists.", code="EmulatorBadRequest")
        principal = ServicePrincipal(
            principal_id, app, display_name, MANAGED_IDENTITY, service_principal_names=[app]
        )
        self.principals[principal.id] = principal
        return principal

    # -- app-role assignments ---------------------------------------------------------------------

    def assignments_of(self, principal_id: str) -> list[AppRoleAssignment]:
        """``GET /servicePrincipals/{id}/appRoleAssignments``: what the principal was granted."""
        principal = self.get(principal_id)
        return [a for a in self.assignments.values() if a.principal_id == principal.id]

    def assigned_to(self, resource_id: str) -> list[AppRoleAssignment]:
        """``GET /servicePrincipals/{id}/appRoleAssignedTo``: what was granted for the resource."""
        resource = self.get(resource_id)
        return [a for a in self.assignments.values() if a.resource_id == resource.id]

    def grant_to(self, principal_id: str, body: Json) -> AppRoleAssignment:
        """``POST /servicePrincipals/{id}/appRoleAssignments``: ``principalId`` must be that principal."""
        principal = self.get(principal_id)
        if _guid(body, "principalId") != principal.id:
            raise BadRequest("The principalId must be the id of the service principal in the request URL.")
        return self._grant(principal.id, _guid(body, "resourceId"), _guid(body, "appRoleId"))

    def grant_for(self, resource_id: str, body: Json) -> AppRoleAssignment:
        """``POST /servicePrincipals/{id}/appRoleAssignedTo``: ``resourceId`` must be that resource."""
        resource = self.get(resource_id)
        if _guid(body, "resourceId") != resource.id:
            raise BadRequest("The resourceId must be the id of the service principal in the request URL.")
        return self._grant(_guid(body, "principalId"), resource.id, _guid(body, "appRoleId"))

    def _grant(self, principal_id: str, resource_id: str, app_role_id: str) -> AppRoleAssignment:
        resource = self.get(resource_id)
        principal_type, principal_name = self._principal(principal_id)
        role = resource.app_role(app_role_id)
        if role is None or not role.allows(principal_type):
            raise BadRequest(ROLE_NOT_FOUND.format(resource.app_id))
        if any(
            (a.principal_id, a.resource_id, a.app_role_id) == (principal_id, resource.id, role.id)
            for a in self.assignments.values()
        ):
            raise BadRequest(ALREADY_ASSIGNED)
        assignment = AppRoleAssignment(
            id=self._assignment_id(principal_id),
            app_role_id=role.id,
            principal_id=principal_id,
            principal_type=principal_type,
            principal_display_name=principal_name,
            resource_id=resource.id,
            resource_display_name=resource.display_name,
            created=self.state.clock.now(),
        )
        self.assignments[assignment.id] = assignment
        return assignment

    def _principal(self, principal_id: str) -> tuple[str, str | None]:
        """The type and display name of a principal: a service principal, a user or a group (or 404)."""
        principal = self.principals.get(principal_id)
        if principal is not None:
            return "ServicePrincipal", principal.display_name
        found = find_object(self.state, principal_id)
        return ("User" if isinstance(found, User) else "Group"), found.display_name

    def _assignment_id(self, principal_id: str) -> str:
        """Graph's shape: base64url of the principal's id bytes and 16 more, unpadded (43 characters)."""
        raw = uuid.UUID(principal_id).bytes_le + bytes.fromhex(self.state.ids.token(16))
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def revoke_from(self, principal_id: str, assignment_id: str) -> None:
        """``DELETE /servicePrincipals/{id}/appRoleAssignments/{id}``."""
        self._revoke(self.get(principal_id).id, assignment_id, "principal_id")

    def revoke_for(self, resource_id: str, assignment_id: str) -> None:
        """``DELETE /servicePrincipals/{id}/appRoleAssignedTo/{id}``."""
        self._revoke(self.get(resource_id).id, assignment_id, "resource_id")

    def _revoke(self, owner_id: str, assignment_id: str, side: str) -> None:
        assignment = self.assignments.get(assignment_id)
        if assignment is None or getattr(assignment, side) != owner_id:
            raise ResourceNotFound(assignment_id)
        del self.assignments[assignment_id]

    # -- tokens -----------------------------------------------------------------------------------

    def graph_roles(self, principal_id: str) -> list[str]:
        """The application permissions a token issued to the principal now carries: the values of
        its app roles assigned on Microsoft Graph's service principal."""
        graph = self.graph()
        roles: list[AppRole | None] = [
            graph.app_role(a.app_role_id)
            for a in self.assignments.values()
            if a.principal_id == principal_id and a.resource_id == graph.id
        ]
        return sorted({r.value for r in roles if r is not None})

    # -- control plane ----------------------------------------------------------------------------

    def dump(self) -> Json:
        def plain(value: Any) -> Any:
            record: Json = dataclasses.asdict(value)
            return {k: format_datetime(v) if k == "created" else v for k, v in record.items()}

        return {
            "servicePrincipals": [
                {**plain(p), "app_roles": [r.value for r in p.app_roles]} for p in self.principals.values()
            ],
            "appRoleAssignments": [plain(a) for a in self.assignments.values()],
        }


def backend_of(state: TenantState) -> ServicePrincipalsBackend:
    """The tenant's service-principal backend, created from the seed on first use."""
    backend = state.extensions.get(EXTENSION_KEY)
    if not isinstance(backend, ServicePrincipalsBackend):
        backend = ServicePrincipalsBackend(state)
        state.extensions[EXTENSION_KEY] = backend
    return backend
