"""Seed ids and small helpers for the directory tests (users, invitations, groups, batch)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.models.group import Group
from msgraph.generated.models.invitation import Invitation
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.user import User
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import PageIterator

# default_seed.json
ADMIN = "c9a5aff7-9298-4d71-adab-0a222e0a05e4"
MEGAN = "1c2b3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e"
ADELE = "2d3c4b5a-6e7f-4a8b-9c0d-1e2f3a4b5c6d"
ALEX = "3e4d5c6b-7a8f-4b9c-8d1e-2f3a4b5c6d7e"
ISAIAH = "4f5e6d7c-8b9a-4c0d-9e2f-3a4b5c6d7e8f"
FEELGOOD = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"  # Unified; members Megan, Alex
RETAIL = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"  # Unified; member Adele
SALES = "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e"  # Unified; member Isaiah
IT_OPS = "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f"  # security group
HELPDESK = "9d0e1f2a-3b4c-4d5e-9f6a-7b8c9d0e1f2a"  # role-assignable
MISSING = "00000000-0000-4000-8000-000000000000"

REDIRECT = "https://myapp.contoso.com"
GRAPH_ROOT = "https://graph.microsoft.com/v1.0"
DENIED = "Insufficient privileges to complete the operation."
ALREADY_EXISTS = (
    "One or more added object references already exist for the following modified properties: '{}'."
)
ALREADY_MEMBER = ALREADY_EXISTS.format("members")


def not_found(object_id: str) -> str:
    return (
        f"Resource '{object_id}' does not exist "
        "or one of its queried reference-property objects are not present."
    )


def ref(object_id: str) -> ReferenceCreate:
    return ReferenceCreate(odata_id=f"{GRAPH_ROOT}/directoryObjects/{object_id}")


async def invite(graph: GraphServiceClient, email: str, **fields: Any) -> Invitation:
    result = await graph.invitations.post(
        Invitation(invited_user_email_address=email, invite_redirect_url=REDIRECT, **fields)
    )
    assert result is not None
    return result


async def invite_id(graph: GraphServiceClient, email: str, **fields: Any) -> str:
    return user_id(await invite(graph, email, **fields))


def config(query: Any = None, *, eventual: bool = False) -> RequestConfiguration[Any]:
    configuration: RequestConfiguration[Any] = RequestConfiguration(query_parameters=query)
    if eventual:
        configuration.headers.add("ConsistencyLevel", "eventual")
    return configuration


UsersQuery = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters
GroupsQuery = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters


async def list_users(graph: GraphServiceClient, *, eventual: bool = False, **query: Any) -> list[User]:
    """``GET /users`` through the SDK: the first page's users (``ConsistencyLevel: eventual`` on request)."""
    page = await graph.users.get(request_configuration=config(UsersQuery(**query), eventual=eventual))
    assert page is not None
    assert page.value is not None
    return page.value


async def list_groups(graph: GraphServiceClient, *, eventual: bool = False, **query: Any) -> list[Group]:
    page = await graph.groups.get(request_configuration=config(GroupsQuery(**query), eventual=eventual))
    assert page is not None
    assert page.value is not None
    return page.value


async def collect(graph: GraphServiceClient, first_page: Any) -> list[Any]:
    """Every item across pages, following the absolute ``@odata.nextLink`` through the SDK."""
    items: list[Any] = []

    def keep(item: Any) -> bool:
        items.append(item)
        return True

    await PageIterator(first_page, graph.request_adapter).iterate(keep)
    return items


async def bearer(raw_client: httpx.AsyncClient, roles: list[str] | None = None) -> dict[str, str]:
    """An ``Authorization`` header with a fresh emulator token (every permission when ``roles`` is None)."""
    body = {} if roles is None else {"roles": roles}
    token = (await raw_client.post("/_emulator/token", json=body)).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def odata_error(caught: pytest.ExceptionInfo[ODataError]) -> tuple[int | None, str | None, str | None]:
    """(status, code, message) of a Graph error raised through the SDK."""
    error = caught.value.error
    assert error is not None
    return caught.value.response_status_code, error.code, error.message


def user_id(invitation: Invitation) -> str:
    """The invited user's object id (``invitedUser.id``)."""
    assert invitation.invited_user is not None
    assert invitation.invited_user.id is not None
    return invitation.invited_user.id


# Graph's default user properties (user resource docs), written out here rather than imported from the
# emulator, so the tests check the emulator against the docs.
USER_DEFAULT = frozenset(
    {
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
    }
)

# group-get, example 1: "All the default properties are returned in an actual call", in this order
# (https://learn.microsoft.com/en-us/graph/api/group-get?view=graph-rest-1.0).
GROUP_DEFAULT = [
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
]
