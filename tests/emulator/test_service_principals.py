"""Service principals and app-role assignments through the real SDK, and tokens that follow them.

Graph behaviour cited from the v1.0 pages:
https://learn.microsoft.com/graph/api/serviceprincipal-list,
https://learn.microsoft.com/graph/api/serviceprincipal-get,
https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignments,
https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments,
https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignments,
https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto,
https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignedto,
https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto;
app-role ids from https://learn.microsoft.com/graph/permissions-reference.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.app_role_assignment import AppRoleAssignment
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.service_principals.service_principals_request_builder import (
    ServicePrincipalsRequestBuilder,
)
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import EmulatorApp, TenantState
from graph_emulator.auth import KNOWN_PERMISSIONS
from graph_emulator.clock import format_datetime
from shared.graph.client import StaticTokenCredential, build_graph_client
from tests.conftest import EMULATOR_URL, GraphFactory

from .directory_helpers import DENIED, FEELGOOD, MEGAN, MISSING, not_found, odata_error

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_SP = "8fce32da-1246-437b-99cd-76d1d4677bd5"  # Microsoft Graph's service principal in the seed
IDENTITY = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"  # the app's managed identity in the seed
IDENTITY_APP_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
# Application permission ids from the permissions reference, written out (not read from the emulator).
ROLE_IDS = {
    "Application.Read.All": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
    "AppRoleAssignment.ReadWrite.All": "06b708a9-e830-4db3-a914-8e69da51d44f",
    "AccessReview.ReadWrite.All": "ef5f7d5c-338f-44b0-86c3-351f46c8bb5f",
    "GroupMember.Read.All": "98830695-27a2-44f7-8c18-0c3ebc9698f6",
    "GroupMember.ReadWrite.All": "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
    "User.DeleteRestore.All": "eccc023d-eccf-4e7b-9683-8813ab36cecc",
    "User.EnableDisableAccount.All": "3011c876-62b7-4ada-afa2-506cbbecc68c",
    "User.Invite.All": "09850681-111b-4a89-9bed-3f2cae46d706",
    "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
    "User.ReadWrite.All": "741f803b-c850-494e-b5df-cde7c675a1ca",
}
ALREADY_ASSIGNED = "Permission being assigned already exists on the object"
SpQuery = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters
Operation = Callable[[GraphServiceClient], Awaitable[object]]


def assignment(role: str, *, principal: str = IDENTITY, resource: str = GRAPH_SP) -> AppRoleAssignment:
    return AppRoleAssignment(
        principal_id=UUID(principal), resource_id=UUID(resource), app_role_id=UUID(ROLE_IDS[role])
    )


async def grant(graph: GraphServiceClient, role: str) -> AppRoleAssignment:
    created = await graph.service_principals.by_service_principal_id(GRAPH_SP).app_role_assigned_to.post(
        assignment(role)
    )
    assert created is not None
    return created


def client_with(emulator: EmulatorApp, token: str) -> GraphServiceClient:
    return build_graph_client(
        EMULATOR_URL,
        StaticTokenCredential(token),
        transport=httpx.ASGITransport(app=emulator),
        retry=RetryHandlerOption(max_retries=0),
    )


async def token_as(raw_client: httpx.AsyncClient, key: str) -> dict[str, object]:
    response = await raw_client.post(f"/_emulator/servicePrincipals/{key}/token")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


# -- Microsoft Graph's service principal and the managed identity ------------------------------------


async def test_graph_service_principal_is_found_by_app_id_with_microsofts_role_ids(
    graph: GraphServiceClient,
) -> None:
    query = SpQuery(filter=f"appId eq '{GRAPH_APP_ID}'")
    found = await graph.service_principals.get(RequestConfiguration(query_parameters=query))
    assert found is not None
    assert found.value is not None
    (principal,) = found.value
    assert (principal.id, principal.display_name, principal.app_id) == (
        GRAPH_SP,
        "Microsoft Graph",
        GRAPH_APP_ID,
    )
    roles = {r.value: str(r.id) for r in principal.app_roles or []}
    assert {name: roles.get(name) for name in ROLE_IDS} == ROLE_IDS
    assert all(r.allowed_member_types == ["Application"] and r.is_enabled for r in principal.app_roles or [])


async def test_every_permission_the_emulator_checks_is_an_app_role_of_graph(
    graph: GraphServiceClient,
) -> None:
    principal = await graph.service_principals.by_service_principal_id(GRAPH_SP).get()
    assert principal is not None
    assert sorted(r.value for r in principal.app_roles or [] if r.value) == sorted(KNOWN_PERMISSIONS)


async def test_the_apps_managed_identity_is_seeded(graph: GraphServiceClient) -> None:
    principal = await graph.service_principals.by_service_principal_id(IDENTITY).get()
    assert principal is not None
    assert (principal.app_id, principal.service_principal_type) == (IDENTITY_APP_ID, "ManagedIdentity")
    assert principal.app_roles == []
    everyone = await graph.service_principals.get()
    assert everyone is not None
    assert {p.id for p in everyone.value or []} == {GRAPH_SP, IDENTITY}


async def test_unknown_service_principal_is_404(graph: GraphServiceClient) -> None:
    with pytest.raises(ODataError) as caught:
        await graph.service_principals.by_service_principal_id(MISSING).get()
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(MISSING))


# -- granting, in both directions ---------------------------------------------------------------------


async def test_grant_for_the_resource_renders_the_assignment(
    graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    created = await grant(graph, "User.Read.All")
    assert (created.principal_id, created.resource_id, created.app_role_id) == (
        UUID(IDENTITY),
        UUID(GRAPH_SP),
        UUID(ROLE_IDS["User.Read.All"]),
    )
    assert (created.principal_type, created.principal_display_name) == (
        "ServicePrincipal",
        "guestkeeper-func",
    )
    assert created.resource_display_name == "Microsoft Graph"
    assert created.created_date_time is not None
    assert format_datetime(created.created_date_time) == format_datetime(emulator_state.clock.now())
    assert created.id is not None
    assert len(created.id) == 43
    assert base64.urlsafe_b64decode(created.id + "=")[:16] == uuid.UUID(IDENTITY).bytes_le


async def test_both_relationships_list_the_assignment(graph: GraphServiceClient) -> None:
    created = await grant(graph, "User.Invite.All")
    of_principal = await graph.service_principals.by_service_principal_id(IDENTITY).app_role_assignments.get()
    for_graph = await graph.service_principals.by_service_principal_id(GRAPH_SP).app_role_assigned_to.get()
    assert of_principal is not None
    assert for_graph is not None
    assert [a.id for a in of_principal.value or []] == [created.id]
    assert [a.id for a in for_graph.value or []] == [created.id]
    nothing = await graph.service_principals.by_service_principal_id(GRAPH_SP).app_role_assignments.get()
    assert nothing is not None
    assert nothing.value == []


async def test_grant_to_the_client_needs_its_own_id_as_principal(graph: GraphServiceClient) -> None:
    builder = graph.service_principals.by_service_principal_id(IDENTITY).app_role_assignments
    created = await builder.post(assignment("GroupMember.Read.All"))
    assert created is not None
    assert created.principal_id == UUID(IDENTITY)
    with pytest.raises(ODataError) as caught:
        await builder.post(assignment("User.Read.All", principal=GRAPH_SP))
    assert odata_error(caught)[:2] == (400, "Request_BadRequest")


async def test_granting_again_is_refused_whichever_direction(graph: GraphServiceClient) -> None:
    await grant(graph, "User.Read.All")
    for builder in (
        graph.service_principals.by_service_principal_id(GRAPH_SP).app_role_assigned_to,
        graph.service_principals.by_service_principal_id(IDENTITY).app_role_assignments,
    ):
        with pytest.raises(ODataError) as caught:
            await builder.post(assignment("User.Read.All"))
        assert odata_error(caught) == (400, "Request_BadRequest", ALREADY_ASSIGNED)


async def test_unknown_app_role_is_refused(graph: GraphServiceClient) -> None:
    body = assignment("User.Read.All")
    body.app_role_id = UUID(MISSING)
    with pytest.raises(ODataError) as caught:
        await graph.service_principals.by_service_principal_id(GRAPH_SP).app_role_assigned_to.post(body)
    message = f"Permission being assigned was not found on application '{GRAPH_APP_ID}'."
    assert odata_error(caught) == (400, "Request_BadRequest", message)


@pytest.mark.parametrize("principal", [MEGAN, FEELGOOD], ids=["user", "group"])
async def test_application_roles_cannot_be_assigned_to_users_or_groups(
    graph: GraphServiceClient, principal: str
) -> None:
    """Graph's app roles allow only the Application member type: refused like an unknown role."""
    with pytest.raises(ODataError) as caught:
        await graph.service_principals.by_service_principal_id(GRAPH_SP).app_role_assigned_to.post(
            assignment("User.Read.All", principal=principal)
        )
    message = f"Permission being assigned was not found on application '{GRAPH_APP_ID}'."
    assert odata_error(caught) == (400, "Request_BadRequest", message)


UNKNOWN_PRINCIPAL: dict[str, Operation] = {
    "in the url": lambda g: g.service_principals.by_service_principal_id(MISSING).app_role_assignments.get(),
    "in the body": lambda g: g.service_principals.by_service_principal_id(GRAPH_SP).app_role_assigned_to.post(
        assignment("User.Read.All", principal=MISSING)
    ),
}


@pytest.mark.parametrize("where", sorted(UNKNOWN_PRINCIPAL))
async def test_unknown_principal_is_404(graph: GraphServiceClient, where: str) -> None:
    with pytest.raises(ODataError) as caught:
        await UNKNOWN_PRINCIPAL[where](graph)
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(MISSING))


async def test_missing_app_role_id_is_a_bad_request(raw_client: httpx.AsyncClient) -> None:
    token = (await raw_client.post("/_emulator/token")).json()["access_token"]
    response = await raw_client.post(
        f"/v1.0/servicePrincipals/{GRAPH_SP}/appRoleAssignedTo",
        json={"principalId": IDENTITY, "resourceId": GRAPH_SP},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert "'appRoleId'" in response.json()["error"]["message"]


# -- revoking -----------------------------------------------------------------------------------------


async def test_revoke_through_either_relationship(graph: GraphServiceClient) -> None:
    first, second = await grant(graph, "User.Read.All"), await grant(graph, "User.Invite.All")
    assert first.id is not None
    assert second.id is not None
    graph_sp = graph.service_principals.by_service_principal_id(GRAPH_SP)
    identity = graph.service_principals.by_service_principal_id(IDENTITY)
    await graph_sp.app_role_assigned_to.by_app_role_assignment_id(first.id).delete()
    await identity.app_role_assignments.by_app_role_assignment_id(second.id).delete()
    left = await identity.app_role_assignments.get()
    assert left is not None
    assert left.value == []


async def test_revoke_through_the_wrong_side_or_twice_is_404(graph: GraphServiceClient) -> None:
    created = await grant(graph, "User.Read.All")
    assert created.id is not None
    wrong = graph.service_principals.by_service_principal_id(
        GRAPH_SP
    ).app_role_assignments  # Graph isn't the principal
    with pytest.raises(ODataError) as caught:
        await wrong.by_app_role_assignment_id(created.id).delete()
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(created.id))
    right = graph.service_principals.by_service_principal_id(GRAPH_SP).app_role_assigned_to
    await right.by_app_role_assignment_id(created.id).delete()
    with pytest.raises(ODataError) as again:
        await right.by_app_role_assignment_id(created.id).delete()
    assert odata_error(again)[0] == 404


# -- permissions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    least: tuple[str, ...]  # the least privileged permission(s), all needed together
    accepted: tuple[str, ...]  # every permission that takes part in granting it
    run: Operation


READ = (
    "Application.Read.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
    "Directory.Read.All",
)
ASSIGNMENTS_READ = (*READ, "Directory.ReadWrite.All")
GRANT = ("AppRoleAssignment.ReadWrite.All", "Application.Read.All", "Directory.Read.All")
CASES = [
    Case("serviceprincipal-list", ("Application.Read.All",), READ, lambda g: g.service_principals.get()),
    Case(
        "serviceprincipal-get",
        ("Application.Read.All",),
        READ,
        lambda g: g.service_principals.by_service_principal_id(GRAPH_SP).get(),
    ),
    Case(
        "serviceprincipal-list-approleassignments",
        ("Application.Read.All",),
        ASSIGNMENTS_READ,
        lambda g: g.service_principals.by_service_principal_id(IDENTITY).app_role_assignments.get(),
    ),
    Case(
        "serviceprincipal-list-approleassignedto",
        ("Application.Read.All",),
        ASSIGNMENTS_READ,
        lambda g: g.service_principals.by_service_principal_id(GRAPH_SP).app_role_assigned_to.get(),
    ),
    Case(
        "serviceprincipal-post-approleassignedto",
        ("AppRoleAssignment.ReadWrite.All", "Application.Read.All"),
        GRANT,
        lambda g: grant(g, "User.Read.All"),
    ),
    Case(
        "serviceprincipal-post-approleassignments",
        ("AppRoleAssignment.ReadWrite.All", "Application.Read.All"),
        GRANT,
        lambda g: g.service_principals.by_service_principal_id(IDENTITY).app_role_assignments.post(
            assignment("User.Read.All")
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_least_privileged_permissions_suffice(case: Case, make_graph: GraphFactory) -> None:
    await case.run(make_graph(roles=case.least))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_every_other_permission_is_refused(case: Case, make_graph: GraphFactory) -> None:
    with pytest.raises(ODataError) as caught:
        await case.run(make_graph(roles=[p for p in KNOWN_PERMISSIONS if p not in case.accepted]))
    assert odata_error(caught) == (403, "Authorization_RequestDenied", DENIED)


@pytest.mark.parametrize("alone", ["AppRoleAssignment.ReadWrite.All", "Application.Read.All"])
async def test_granting_needs_both_halves_of_the_pair(alone: str, make_graph: GraphFactory) -> None:
    with pytest.raises(ODataError) as caught:
        await grant(make_graph(roles=[alone]), "User.Read.All")
    assert odata_error(caught)[0] == 403


async def test_directory_read_stands_in_for_application_read_when_granting(make_graph: GraphFactory) -> None:
    await grant(make_graph(roles=["AppRoleAssignment.ReadWrite.All", "Directory.Read.All"]), "User.Read.All")


@pytest.mark.parametrize("relationship", ["appRoleAssignedTo", "appRoleAssignments"])
async def test_revoking_needs_app_role_assignment_readwrite(
    relationship: str, graph: GraphServiceClient, make_graph: GraphFactory
) -> None:
    created = await grant(graph, "User.Read.All")
    assert created.id is not None
    owner = GRAPH_SP if relationship == "appRoleAssignedTo" else IDENTITY

    def delete(client: GraphServiceClient) -> Awaitable[None]:
        principal = client.service_principals.by_service_principal_id(owner)
        side = principal.app_role_assigned_to if owner == GRAPH_SP else principal.app_role_assignments
        assert created.id is not None
        return side.by_app_role_assignment_id(created.id).delete()

    others = [p for p in KNOWN_PERMISSIONS if p != "AppRoleAssignment.ReadWrite.All"]
    with pytest.raises(ODataError) as caught:
        await delete(make_graph(roles=others))
    assert odata_error(caught)[0] == 403
    await delete(make_graph(roles=["AppRoleAssignment.ReadWrite.All"]))


# -- tokens follow assignments ------------------------------------------------------------------------


async def test_tokens_issued_to_the_identity_carry_its_current_graph_roles(
    graph: GraphServiceClient, emulator: EmulatorApp, raw_client: httpx.AsyncClient
) -> None:
    before = await token_as(raw_client, IDENTITY_APP_ID)
    assert before["roles"] == []
    assert before["servicePrincipalId"] == IDENTITY
    with pytest.raises(ODataError) as caught:
        await client_with(emulator, str(before["access_token"])).users.by_user_id(MEGAN).get()
    assert odata_error(caught)[0] == 403

    granted = await grant(graph, "User.Read.All")
    after = await token_as(raw_client, IDENTITY)  # by object id this time
    assert after["roles"] == ["User.Read.All"]
    user = await client_with(emulator, str(after["access_token"])).users.by_user_id(MEGAN).get()
    assert user is not None
    assert user.id == MEGAN
    # A token keeps the roles it was issued with, as Entra's do until they expire.
    assert emulator.state.tokens.authenticate(f"Bearer {before['access_token']}").roles == frozenset()

    assert granted.id is not None
    await (
        graph.service_principals.by_service_principal_id(GRAPH_SP)
        .app_role_assigned_to.by_app_role_assignment_id(granted.id)
        .delete()
    )
    assert (await token_as(raw_client, IDENTITY_APP_ID))["roles"] == []


async def test_token_for_an_unknown_service_principal_is_404(raw_client: httpx.AsyncClient) -> None:
    response = await raw_client.post(f"/_emulator/servicePrincipals/{MISSING}/token")
    assert response.status_code == 404


async def test_a_service_principal_reads_itself_without_permissions(
    emulator: EmulatorApp, raw_client: httpx.AsyncClient
) -> None:
    client = client_with(emulator, str((await token_as(raw_client, IDENTITY))["access_token"]))
    itself = await client.service_principals.by_service_principal_id(IDENTITY).get()
    assert itself is not None
    assert itself.id == IDENTITY
    with pytest.raises(ODataError) as caught:
        await client.service_principals.by_service_principal_id(GRAPH_SP).get()
    assert odata_error(caught)[0] == 403


async def test_control_plane_creates_a_managed_identity(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient
) -> None:
    response = await raw_client.post("/_emulator/servicePrincipals", json={"displayName": "other-func"})
    assert response.status_code == 201
    created = response.json()
    assert created["servicePrincipalType"] == "ManagedIdentity"
    fetched = await graph.service_principals.by_service_principal_id(created["id"]).get()
    assert fetched is not None
    assert fetched.app_id == created["appId"]
    taken = await raw_client.post("/_emulator/servicePrincipals", json={"displayName": "x", "id": IDENTITY})
    assert taken.status_code == 400


async def test_reset_forgets_assignments(graph: GraphServiceClient, raw_client: httpx.AsyncClient) -> None:
    await grant(graph, "User.Read.All")
    assert (await raw_client.post("/_emulator/reset")).status_code == 204
    assert (await token_as(raw_client, IDENTITY))["roles"] == []
    dump = (await raw_client.get("/_emulator/servicePrincipals")).json()
    assert dump["appRoleAssignments"] == []
