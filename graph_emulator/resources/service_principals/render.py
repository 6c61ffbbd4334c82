"""JSON forms of service principals and app-role assignments, as Graph v1.0 returns them."""

from __future__ import annotations

from graph_emulator.clock import format_datetime

from .models import AppRole, AppRoleAssignment, Json, ServicePrincipal


def app_role_json(role: AppRole) -> Json:
    return {
        "allowedMemberTypes": list(role.allowed_member_types),
        "description": role.description,
        "displayName": role.display_name,
        "id": role.id,
        "isEnabled": True,
        "origin": "Application",
        "value": role.value,
    }


def service_principal_json(principal: ServicePrincipal) -> Json:
    """The properties the emulator models; collections it does not model are empty, as on a new one."""
    return {
        "id": principal.id,
        "deletedDateTime": None,
        "accountEnabled": True,
        "alternativeNames": list(principal.alternative_names),
        "appDisplayName": principal.app_display_name,
        "appDescription": None,
        "appId": principal.app_id,
        "appOwnerOrganizationId": principal.app_owner_organization_id,
        "appRoleAssignmentRequired": False,
        "appRoles": [app_role_json(r) for r in principal.app_roles],
        "description": None,
        "displayName": principal.display_name,
        "homepage": None,
        "keyCredentials": [],
        "notificationEmailAddresses": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": [],
        "replyUrls": [],
        "servicePrincipalNames": list(principal.service_principal_names),
        "servicePrincipalType": principal.service_principal_type,
        "signInAudience": principal.sign_in_audience,
        "tags": [],
    }


def assignment_json(assignment: AppRoleAssignment) -> Json:
    """The shape of the v1.0 examples (serviceprincipal-post-approleassignedto)."""
    return {
        "id": assignment.id,
        "deletedDateTime": None,
        "appRoleId": assignment.app_role_id,
        "createdDateTime": format_datetime(assignment.created),
        "principalDisplayName": assignment.principal_display_name,
        "principalId": assignment.principal_id,
        "principalType": assignment.principal_type,
        "resourceDisplayName": assignment.resource_display_name,
        "resourceId": assignment.resource_id,
    }
