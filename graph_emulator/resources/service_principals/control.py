"""Control-plane additions for service principals (under ``/_emulator``, never authenticated).

- ``POST /servicePrincipals`` ``{"displayName", "appId"?, "id"?}``: a managed identity's service
  principal, as Azure creates one when a resource gets an identity;
- ``POST /servicePrincipals/{id or appId}/token``: a token issued to that service principal, whose
  ``roles`` are its app roles assigned on Microsoft Graph at this moment;
- ``GET /servicePrincipals``: the backend's state (also part of ``GET /_emulator/state``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from graph_emulator import control
from graph_emulator.errors import BadRequest, ResourceNotFound
from graph_emulator.http import json_response, read_json, tenant

from .backend import backend_of
from .render import service_principal_json


async def create_managed_identity(request: Request) -> Response:
    body = await read_json(request)
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("displayName is required.", code="EmulatorBadRequest")
    principal = backend_of(tenant(request)).add_managed_identity(
        name, app_id=body.get("appId"), object_id=body.get("id")
    )
    return json_response(service_principal_json(principal), 201)


async def issue_token(request: Request) -> Response:
    """A token as the service principal: what Entra issues to a managed identity or an app."""
    state = tenant(request)
    backend = backend_of(state)
    principal = backend.find(request.path_params["key"])
    if principal is None:
        raise ResourceNotFound(request.path_params["key"])
    value, token = control.issue(state, backend.graph_roles(principal.id), principal_id=principal.id)
    body = control.token_json(value, token)
    return json_response({**body, "servicePrincipalId": principal.id, "appId": principal.app_id})


async def dump(request: Request) -> Response:
    return json_response(backend_of(tenant(request)).dump())
