"""Route table: Graph paths (mounted under /v1.0 and /beta) and control-plane paths (under /_emulator)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from . import control, handlers

_PRINCIPAL = "/servicePrincipals/{principal_id}"

GRAPH_ROUTES: list[BaseRoute] = [
    Route("/servicePrincipals", handlers.list_service_principals, methods=["GET"]),
    Route(_PRINCIPAL, handlers.get_service_principal, methods=["GET"]),
    Route(f"{_PRINCIPAL}/appRoleAssignments", handlers.list_assignments, methods=["GET"]),
    Route(f"{_PRINCIPAL}/appRoleAssignments", handlers.grant_assignment, methods=["POST"]),
    Route(
        f"{_PRINCIPAL}/appRoleAssignments/{{assignment_id}}", handlers.revoke_assignment, methods=["DELETE"]
    ),
    Route(f"{_PRINCIPAL}/appRoleAssignedTo", handlers.list_assigned_to, methods=["GET"]),
    Route(f"{_PRINCIPAL}/appRoleAssignedTo", handlers.grant_assigned_to, methods=["POST"]),
    Route(
        f"{_PRINCIPAL}/appRoleAssignedTo/{{assignment_id}}", handlers.revoke_assigned_to, methods=["DELETE"]
    ),
]

CONTROL_ROUTES: list[BaseRoute] = [
    Route("/servicePrincipals", control.create_managed_identity, methods=["POST"]),
    Route("/servicePrincipals", control.dump, methods=["GET"]),
    Route("/servicePrincipals/{key}/token", control.issue_token, methods=["POST"]),
]
