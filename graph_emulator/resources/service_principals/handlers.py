"""HTTP handlers for ``/servicePrincipals``, their ``appRoleAssignments`` and ``appRoleAssignedTo``.

Each handler checks the operation's application permissions first (403 before 404, as Graph
answers), then calls the backend. Permissions per the v1.0 API pages named beside each constant.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from graph_emulator import http, odata
from graph_emulator.auth import require

from ..directory_objects.permissions import require_all, token
from .backend import ServicePrincipalsBackend, backend_of
from .render import assignment_json, service_principal_json

# serviceprincipal-list, serviceprincipal-get
PRINCIPALS_READ = (
    "Application.Read.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
    "Directory.Read.All",
)
# serviceprincipal-list-approleassignments, serviceprincipal-list-approleassignedto
ASSIGNMENTS_READ = (
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
# serviceprincipal-post-approleassignments, serviceprincipal-post-approleassignedto: together
ASSIGNMENT_GRANT = (("AppRoleAssignment.ReadWrite.All",), ("Application.Read.All", "Directory.Read.All"))
# serviceprincipal-delete-approleassignments, serviceprincipal-delete-approleassignedto
ASSIGNMENT_DELETE = ("AppRoleAssignment.ReadWrite.All",)
# The two relationships, each with its own Graph path segment and backend methods.
ASSIGNMENTS, ASSIGNED_TO = "appRoleAssignments", "appRoleAssignedTo"


def _backend(request: Request) -> ServicePrincipalsBackend:
    return backend_of(http.tenant(request))


def _id(request: Request) -> str:
    value: str = request.path_params["principal_id"]
    return value


async def list_service_principals(request: Request) -> Response:
    require(request, *PRINCIPALS_READ)
    items = [service_principal_json(p) for p in _backend(request).list_principals()]
    return http.list_response(request, items, "servicePrincipals", advanced_count=True)


async def get_service_principal(request: Request) -> Response:
    """Any permission of the page, or none at all for a principal reading itself (serviceprincipal-get)."""
    if token(request).principal_id != _id(request).lower():
        require(request, *PRINCIPALS_READ)
    principal = _backend(request).get(_id(request))
    item = odata.select(
        service_principal_json(principal), odata.parse_select(request.query_params.get("$select"))
    )
    return http.json_response({"@odata.context": http.context(request, "servicePrincipals/$entity"), **item})


async def list_assignments(request: Request) -> Response:
    return _list(request, ASSIGNMENTS)


async def list_assigned_to(request: Request) -> Response:
    return _list(request, ASSIGNED_TO)


def _list(request: Request, relationship: str) -> Response:
    require(request, *ASSIGNMENTS_READ)
    backend = _backend(request)
    found = backend.assignments_of if relationship == ASSIGNMENTS else backend.assigned_to
    items = [assignment_json(a) for a in found(_id(request))]
    return http.list_response(request, items, f"servicePrincipals('{_id(request)}')/{relationship}")


async def grant_assignment(request: Request) -> Response:
    return await _grant(request, ASSIGNMENTS)


async def grant_assigned_to(request: Request) -> Response:
    return await _grant(request, ASSIGNED_TO)


async def _grant(request: Request, relationship: str) -> Response:
    require_all(request, *ASSIGNMENT_GRANT)
    body = await http.read_json(request)
    backend = _backend(request)
    grant = backend.grant_to if relationship == ASSIGNMENTS else backend.grant_for
    assignment = grant(_id(request), body)
    context = http.context(request, f"servicePrincipals('{_id(request)}')/{relationship}/$entity")
    return http.json_response({"@odata.context": context, **assignment_json(assignment)}, 201)


async def revoke_assignment(request: Request) -> Response:
    require(request, *ASSIGNMENT_DELETE)
    _backend(request).revoke_from(_id(request), request.path_params["assignment_id"])
    return http.no_content()


async def revoke_assigned_to(request: Request) -> Response:
    require(request, *ASSIGNMENT_DELETE)
    _backend(request).revoke_for(_id(request), request.path_params["assignment_id"])
    return http.no_content()
