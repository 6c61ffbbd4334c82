"""Fidelity walk: every directory route the emulator serves answers only properties Graph v1.0 has.

Each route of the emulator's route table is walked with its documented example (the v1.0 API page
named on each walk, https://learn.microsoft.com/en-us/graph/api/<page>?view=graph-rest-1.0) through
the real ``GraphServiceClient``; the SDK's typed models come from Graph's v1.0 schema, so a response
property they don't know lands in ``additional_data``: the emulator invented or misspelled it. Only
``@odata.context``, which the SDK keeps there by design, may. Routes are read from the served table,
so a new route without a walk fails ``test_every_served_route_is_walked``. Alternate spellings the
emulator serves (``microsoft.graph.user`` casts, ``deleteditems``) are reached with ``with_url``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import pytest
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_abstractions.serialization import Parsable, ParsableFactory
from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
from msgraph.generated.directory_objects.item.get_member_groups.get_member_groups_post_request_body import (
    GetMemberGroupsPostRequestBody as ObjectMemberGroupsBody,
)
from msgraph.generated.models.app_role_assignment import AppRoleAssignment
from msgraph.generated.models.directory_object import DirectoryObject
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.group import Group
from msgraph.generated.models.invitation import Invitation
from msgraph.generated.models.invited_user_message_info import InvitedUserMessageInfo
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.models.user import User
from msgraph.generated.service_principals.item.service_principal_item_request_builder import (
    ServicePrincipalItemRequestBuilder,
)
from msgraph.generated.users.item.get_member_groups.get_member_groups_post_request_body import (
    GetMemberGroupsPostRequestBody,
)
from msgraph.generated.users.item.get_member_groups.get_member_groups_post_response import (
    GetMemberGroupsPostResponse,
)
from msgraph.graph_service_client import GraphServiceClient
from starlette.routing import Mount, Route

from graph_emulator import TenantState, create_app

from .directory_helpers import (
    ADELE,
    ADMIN,
    ALEX,
    FEELGOOD,
    GRAPH_ROOT,
    IT_OPS,
    MEGAN,
    REDIRECT,
    RETAIL,
    SALES,
    config,
    invite_id,
    ref,
)

# Kept in additional_data by the SDK on purpose: no model has a field for the response's context URL.
SDK_ANNOTATIONS = frozenset({"@odata.context"})

# Served, but not walked here, each for its reason:
SKIPPED_PREFIXES = (
    # the control plane: the emulator's own API, not Graph
    "/_emulator/",
    # the same route table as /v1.0; the SDK's models describe v1.0 only
    "/beta/",
    # access reviews: their resource renders and checks its own output against the schema
    "/v1.0/identityGovernance/accessReviews/",
)

RouteKey = tuple[str, str]  # (method, path as the route table spells it, with /v1.0)


def served_routes() -> set[RouteKey]:
    """Every (method, path) the emulator answers, control plane and both versions included."""
    app = create_app(TenantState())
    found: set[RouteKey] = set()
    for starlette in (app.graph, app.control):
        for mount in starlette.routes:
            assert isinstance(mount, Mount)
            for route in mount.routes:
                assert isinstance(route, Route)
                assert route.methods is not None
                found.update((m, f"{mount.path}{route.path}") for m in route.methods if m != "HEAD")
    return found


def invented(model: object, where: str = "") -> list[str]:
    """The property names the SDK could not place on ``model`` or on any model inside it."""
    if isinstance(model, list):
        return [name for i, item in enumerate(model) for name in invented(item, f"{where}[{i}]")]
    if not isinstance(model, Parsable) or not dataclasses.is_dataclass(model):
        return []
    extra = getattr(model, "additional_data", None) or {}
    names = [f"{where}.{key}" for key in extra if key not in SDK_ANNOTATIONS]
    for field in dataclasses.fields(model):
        if field.name not in ("additional_data", "backing_store"):
            names += invented(getattr(model, field.name), f"{where}.{field.name}")
    return names


@dataclasses.dataclass
class Walk:
    """One route's walk: the client, and what the SDK parsed from the responses."""

    graph: GraphServiceClient
    route: str  # the route's path without /v1.0, e.g. /groups/{group_id}/members/microsoft.graph.user
    parsed: list[object] = dataclasses.field(default_factory=list)

    def url(self, query: str = "", **ids: str) -> str:
        """The route's absolute URL with ``ids`` filled in (``with_url`` sends exactly this)."""
        return f"{self.graph.request_adapter.base_url}{self.route.format(**ids)}{query}"

    def keep(self, model: Any) -> Any:
        assert model is not None
        self.parsed.append(model)
        return model


WalkFunction = Callable[[Walk], Awaitable[None]]
WALKS: dict[RouteKey, WalkFunction] = {}


def walks(method: str, *paths: str) -> Callable[[WalkFunction], WalkFunction]:
    def register(function: WalkFunction) -> WalkFunction:
        for path in paths:
            WALKS[(method, f"/v1.0{path}")] = function
        return function

    return register


def spellings(template: str, **choices: tuple[str, ...]) -> list[str]:
    """Every spelling of ``template`` the emulator serves: ``spellings("/a/<cast>", cast=("x", "y"))``."""
    paths = [template]
    for key, values in choices.items():
        paths = [p.replace(f"<{key}>", v) for p in paths for v in values]
    return paths


GROUP_CASTS = ("graph.group", "microsoft.graph.group")
CASTS = ("graph.user", "microsoft.graph.user", *GROUP_CASTS)
RELATIONS = ("members", "owners")
DELETED_ROOTS = ("/directory/deletedItems", "/directory/deleteditems")
MEMBER_GROUPS = ("getMemberGroups", "microsoft.graph.getMemberGroups")


# ---------------------------------------------------------------- users (user-list, user-get, ...)


@walks("GET", "/users")
async def list_users(walk: Walk) -> None:
    """user-list: example 1 (default properties); a guest read as the app reads one."""
    await invite_id(walk.graph, "walk@fabrikam.example")
    builder = walk.graph.users
    walk.keep(await builder.with_url(walk.url()).get())
    guest_facts = "displayName,userType,externalUserState,externalUserStateChangeDateTime,createdDateTime"
    walk.keep(await builder.with_url(walk.url(f"?$select={guest_facts}")).get())


@walks("GET", "/users/$count")
async def count_users(walk: Walk) -> None:
    """user-list: example "Get only a count of users" (ConsistencyLevel: eventual)."""
    assert await walk.graph.users.count.with_url(walk.url()).get(config(eventual=True)) == 5


@walks("GET", "/users/{user_id}")
async def get_user(walk: Walk) -> None:
    """user-get: example 1 (default properties) and example 3 (``$select`` with postalCode, identities)."""
    builder = walk.graph.users.by_user_id(MEGAN)
    walk.keep(await builder.with_url(walk.url(user_id=MEGAN)).get())
    query = "?$select=displayName,givenName,postalCode,identities"
    walk.keep(await builder.with_url(walk.url(query, user_id=MEGAN)).get())


@walks("PATCH", "/users/{user_id}")
async def update_user(walk: Walk) -> None:
    """user-update: example 2 (another user's businessPhones and officeLocation)."""
    body = User(business_phones=["+1 425 555 0109"], office_location="18/2111")
    await walk.graph.users.by_user_id(ADELE).with_url(walk.url(user_id=ADELE)).patch(body)


@walks("DELETE", "/users/{user_id}")
async def delete_user(walk: Walk) -> None:
    """user-delete: example."""
    await walk.graph.users.by_user_id(ALEX).with_url(walk.url(user_id=ALEX)).delete()


@walks("GET", "/users/{user_id}/memberOf")
async def list_member_of(walk: Walk) -> None:
    """user-list-memberof: example 1 (a user's direct memberships, groups typed)."""
    builder = walk.graph.users.by_user_id(MEGAN).member_of
    walk.keep(await builder.with_url(walk.url(user_id=MEGAN)).get())


@walks("GET", "/users/{user_id}/memberOf/$count")
async def count_member_of(walk: Walk) -> None:
    """user-list-memberof: example 2 (count, ConsistencyLevel: eventual)."""
    builder = walk.graph.users.by_user_id(MEGAN).member_of.count
    assert await builder.with_url(walk.url(user_id=MEGAN)).get(config(eventual=True)) == 1


@walks("GET", *spellings("/users/{user_id}/memberOf/<cast>", cast=GROUP_CASTS))
async def list_member_of_groups(walk: Walk) -> None:
    """user-list-memberof: cast to groups."""
    builder = walk.graph.users.by_user_id(MEGAN).member_of.graph_group
    walk.keep(await builder.with_url(walk.url(user_id=MEGAN)).get())


@walks("POST", *spellings("/users/{user_id}/<action>", action=MEMBER_GROUPS))
async def user_member_groups(walk: Walk) -> None:
    """user-getmembergroups: example (``securityEnabledOnly``)."""
    builder = walk.graph.users.by_user_id(ADMIN).get_member_groups
    body = GetMemberGroupsPostRequestBody(security_enabled_only=False)
    response = walk.keep(await builder.with_url(walk.url(user_id=ADMIN)).post(body))
    assert isinstance(response, GetMemberGroupsPostResponse)
    assert set(response.value or []) >= {IT_OPS}


@walks("POST", *spellings("/directoryObjects/{object_id}/<action>", action=MEMBER_GROUPS))
async def object_member_groups(walk: Walk) -> None:
    """directoryobject-getmembergroups: example."""
    builder = walk.graph.directory_objects.by_directory_object_id(ADMIN).get_member_groups
    body = ObjectMemberGroupsBody(security_enabled_only=True)
    walk.keep(await builder.with_url(walk.url(object_id=ADMIN)).post(body))


async def guest_with_sponsors(walk: Walk) -> str:
    """A guest sponsored by a user and a group, so the list holds both types."""
    sponsors = [DirectoryObject(id=MEGAN), DirectoryObject(id=SALES)]
    return await invite_id(walk.graph, "sponsored@fabrikam.example", invited_user_sponsors=sponsors)


@walks("GET", "/users/{user_id}/sponsors")
async def list_sponsors(walk: Walk) -> None:
    """user-list-sponsors: example."""
    guest = await guest_with_sponsors(walk)
    builder = walk.graph.users.by_user_id(guest).sponsors
    walk.keep(await builder.with_url(walk.url(user_id=guest)).get())
    walk.keep(await builder.with_url(walk.url("?$select=displayName,mail,groupTypes", user_id=guest)).get())


@walks("POST", "/users/{user_id}/sponsors/$ref")
async def add_sponsor(walk: Walk) -> None:
    """user-post-sponsors: example."""
    builder = walk.graph.users.by_user_id(ALEX).sponsors.ref
    await builder.with_url(walk.url(user_id=ALEX)).post(ref(MEGAN))


@walks("DELETE", "/users/{user_id}/sponsors/{sponsor_id}/$ref")
async def remove_sponsor(walk: Walk) -> None:
    """user-delete-sponsors: example."""
    guest = await guest_with_sponsors(walk)
    builder = walk.graph.users.by_user_id(guest).sponsors.by_directory_object_id(SALES).ref
    await builder.with_url(walk.url(user_id=guest, sponsor_id=SALES)).delete()


# ---------------------------------------------------------------- invitations (invitation-post)


@walks("POST", "/invitations")
async def create_invitation(walk: Walk) -> None:
    """invitation-post: example, with a customized message and a cc recipient."""
    info = InvitedUserMessageInfo(
        customized_message_body="Welcome",
        message_language="en-US",
        cc_recipients=[Recipient(email_address=EmailAddress(address="sponsor@contoso.com"))],
    )
    body = Invitation(
        invited_user_email_address="admin@fabrikam.com",
        invite_redirect_url=REDIRECT,
        send_invitation_message=True,
        invited_user_message_info=info,
    )
    invitation = walk.keep(await walk.graph.invitations.with_url(walk.url()).post(body))
    assert invitation.invited_user_message_info.cc_recipients[0].email_address.address == (
        "sponsor@contoso.com"
    )


# ---------------------------------------------------------------- groups (group-list, group-get, ...)


@walks("GET", "/groups")
async def list_groups(walk: Walk) -> None:
    """group-list: example 1 (default properties) and a ``$filter`` on groupTypes."""
    builder = walk.graph.groups
    walk.keep(await builder.with_url(walk.url()).get())
    walk.keep(await builder.with_url(walk.url("?$filter=groupTypes/any(c:c+eq+'Unified')")).get())


@walks("POST", "/groups")
async def create_group(walk: Walk) -> None:
    """group-post-groups: example 1 (a Microsoft 365 group)."""
    body = Group(
        description="Self help community for library",
        display_name="Library Assist",
        group_types=["Unified"],
        mail_enabled=True,
        mail_nickname="library",
        security_enabled=False,
    )
    walk.keep(await walk.graph.groups.with_url(walk.url()).post(body))


@walks("GET", "/groups/$count")
async def count_groups(walk: Walk) -> None:
    """group-list: example "Get only a count of groups"."""
    assert await walk.graph.groups.count.with_url(walk.url()).get(config(eventual=True)) == 5


@walks("GET", "/groups/{group_id}")
async def get_group(walk: Walk) -> None:
    """group-get: example 1 (default properties) and example 2 (``$select`` of mailbox settings)."""
    builder = walk.graph.groups.by_group_id(FEELGOOD)
    walk.keep(await builder.with_url(walk.url(group_id=FEELGOOD)).get())
    query = "?$select=accessType,allowExternalSenders,autoSubscribeNewMembers,isSubscribedByMail,unseenCount"
    walk.keep(await builder.with_url(walk.url(query, group_id=FEELGOOD)).get())


@walks("PATCH", "/groups/{group_id}")
async def update_group(walk: Walk) -> None:
    """group-update: example 1 (description and display name)."""
    body = Group(description="description-value", display_name="displayName-value")
    await walk.graph.groups.by_group_id(SALES).with_url(walk.url(group_id=SALES)).patch(body)


@walks("DELETE", "/groups/{group_id}")
async def delete_group(walk: Walk) -> None:
    """group-delete: example."""
    await walk.graph.groups.by_group_id(RETAIL).with_url(walk.url(group_id=RETAIL)).delete()


async def feelgood_with_a_group_member(walk: Walk) -> None:
    """Feelgood's members: Megan and Alex (seed) and, after this, a group; its owner: Megan."""
    await walk.graph.groups.by_group_id(FEELGOOD).members.ref.post(ref(IT_OPS))


FEELGOOD_COUNTS = {
    ("members", "user"): 2,
    ("members", "group"): 1,
    ("owners", "user"): 1,
    ("owners", "group"): 0,
}


def relation(walk: Walk) -> str:
    """``members`` or ``owners``: the relationship the route's path names."""
    return "members" if "/members" in walk.route else "owners"


@walks("GET", "/groups/{group_id}/members", "/groups/{group_id}/owners")
async def list_relation(walk: Walk) -> None:
    """group-list-members / group-list-owners: examples (directoryObjects, typed)."""
    await feelgood_with_a_group_member(walk)
    builder = getattr(walk.graph.groups.by_group_id(FEELGOOD), relation(walk))
    walk.keep(await builder.with_url(walk.url(group_id=FEELGOOD)).get())
    walk.keep(await builder.with_url(walk.url("?$select=id,displayName,mail", group_id=FEELGOOD)).get())


@walks("GET", "/groups/{group_id}/members/$count", "/groups/{group_id}/owners/$count")
async def count_relation(walk: Walk) -> None:
    """group-list-members: example "Get only a count of all memberships"."""
    await feelgood_with_a_group_member(walk)
    builder = getattr(walk.graph.groups.by_group_id(FEELGOOD), relation(walk)).count
    expected = sum(n for (named, _), n in FEELGOOD_COUNTS.items() if named == relation(walk))
    assert await builder.with_url(walk.url(group_id=FEELGOOD)).get(config(eventual=True)) == expected


@walks("GET", *spellings("/groups/{group_id}/<relation>/<cast>", relation=RELATIONS, cast=CASTS))
async def list_relation_cast(walk: Walk) -> None:
    """group-list-members: example "Use OData cast to get only members that are users"."""
    await feelgood_with_a_group_member(walk)
    builder = getattr(walk.graph.groups.by_group_id(FEELGOOD), relation(walk))
    cast = builder.graph_user if walk.route.endswith(".user") else builder.graph_group
    walk.keep(await cast.with_url(walk.url(group_id=FEELGOOD)).get())


@walks("GET", *spellings("/groups/{group_id}/<relation>/<cast>/$count", relation=RELATIONS, cast=CASTS))
async def count_relation_cast(walk: Walk) -> None:
    """group-list-members: example "count of only users" (cast, ``$count``, ConsistencyLevel: eventual)."""
    await feelgood_with_a_group_member(walk)
    builder = getattr(walk.graph.groups.by_group_id(FEELGOOD), relation(walk))
    kind = "user" if ".user/" in walk.route else "group"
    cast = builder.graph_user if kind == "user" else builder.graph_group
    counted = await cast.count.with_url(walk.url(group_id=FEELGOOD)).get(config(eventual=True))
    assert counted == FEELGOOD_COUNTS[(relation(walk), kind)]


@walks("POST", "/groups/{group_id}/members/$ref", "/groups/{group_id}/owners/$ref")
async def add_relation(walk: Walk) -> None:
    """group-post-members / group-post-owners: example 1."""
    builder = getattr(walk.graph.groups.by_group_id(SALES), relation(walk)).ref
    await builder.with_url(walk.url(group_id=SALES)).post(ref(ADELE))


@walks("DELETE", "/groups/{group_id}/members/$ref")
async def remove_member_by_query(walk: Walk) -> None:
    """group-delete-members: the ``$ref?$id=`` form."""
    builder = walk.graph.groups.by_group_id(FEELGOOD).members.ref
    query = f"?$id={GRAPH_ROOT}/directoryObjects/{ALEX}"
    await builder.with_url(walk.url(query, group_id=FEELGOOD)).delete()


@walks("DELETE", "/groups/{group_id}/members/{member_id}/$ref")
async def remove_member(walk: Walk) -> None:
    """group-delete-members: example."""
    builder = walk.graph.groups.by_group_id(FEELGOOD).members.by_directory_object_id(ALEX).ref
    await builder.with_url(walk.url(group_id=FEELGOOD, member_id=ALEX)).delete()


@walks("DELETE", "/groups/{group_id}/owners/{owner_id}/$ref")
async def remove_owner(walk: Walk) -> None:
    """group-delete-owners: example (a second owner first: the last one can't go)."""
    owners = walk.graph.groups.by_group_id(FEELGOOD).owners
    await owners.ref.post(ref(ADELE))
    builder = owners.by_directory_object_id(ADELE).ref
    await builder.with_url(walk.url(group_id=FEELGOOD, owner_id=ADELE)).delete()


# ---------------------------------------------------------------- deleted items (directory-deleteditems-*)


async def delete_a_user_and_a_group(walk: Walk) -> None:
    await walk.graph.users.by_user_id(ALEX).delete()
    await walk.graph.groups.by_group_id(RETAIL).delete()


@walks("GET", *spellings("<root>/<cast>", root=DELETED_ROOTS, cast=CASTS))
async def list_deleted(walk: Walk) -> None:
    """directory-deleteditems-list: examples (users, groups; ``$select`` of deletedDateTime)."""
    await delete_a_user_and_a_group(walk)
    items = walk.graph.directory.deleted_items
    builder = items.graph_user if walk.route.endswith(".user") else items.graph_group
    walk.keep(await builder.with_url(walk.url()).get())
    walk.keep(await builder.with_url(walk.url("?$select=id,displayName,deletedDateTime")).get())


@walks("GET", *spellings("<root>/{object_id}", root=DELETED_ROOTS))
async def get_deleted(walk: Walk) -> None:
    """directory-deleteditems-get: example (a user and a group, typed)."""
    await delete_a_user_and_a_group(walk)
    for object_id in (ALEX, RETAIL):
        builder = walk.graph.directory.deleted_items.by_directory_object_id(object_id)
        walk.keep(await builder.with_url(walk.url(object_id=object_id)).get())


@walks("POST", *spellings("<root>/{object_id}/restore", root=DELETED_ROOTS))
async def restore_deleted(walk: Walk) -> None:
    """directory-deleteditems-restore: example (200 with the restored object)."""
    await delete_a_user_and_a_group(walk)
    for object_id in (ALEX, RETAIL):
        builder = walk.graph.directory.deleted_items.by_directory_object_id(object_id).restore
        walk.keep(await builder.with_url(walk.url(object_id=object_id)).post())


@walks("DELETE", *spellings("<root>/{object_id}", root=DELETED_ROOTS))
async def delete_deleted(walk: Walk) -> None:
    """directory-deleteditems-delete: example."""
    await delete_a_user_and_a_group(walk)
    builder = walk.graph.directory.deleted_items.by_directory_object_id(ALEX)
    await builder.with_url(walk.url(object_id=ALEX)).delete()


# ---------------------------------------------------------------- service principals (serviceprincipal-*)

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_SP = "8fce32da-1246-437b-99cd-76d1d4677bd5"  # Microsoft Graph's service principal, in every seed
IDENTITY = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"  # the app's managed identity, in the default seed
# User.Read.All's application permission id (permissions-reference)
USER_READ_ALL = "df021288-bdef-4463-88db-98f22de89214"
ASSIGNMENTS = "/servicePrincipals/{principal_id}/appRoleAssignments"
ASSIGNED_TO = "/servicePrincipals/{principal_id}/appRoleAssignedTo"


def principal(walk: Walk, principal_id: str) -> ServicePrincipalItemRequestBuilder:
    return walk.graph.service_principals.by_service_principal_id(principal_id)


def relationship(walk: Walk) -> tuple[str, str]:
    """The route's relationship and the principal its examples address: the client's assignments, or
    the assignments granted for the resource (Microsoft Graph)."""
    if walk.route.startswith(ASSIGNMENTS):
        return "app_role_assignments", IDENTITY
    return "app_role_assigned_to", GRAPH_SP


async def grant_user_read_all(walk: Walk) -> str:
    """Microsoft Graph's User.Read.All granted to the managed identity (the grant pages' body); the
    assignment's id."""
    body = AppRoleAssignment(
        principal_id=UUID(IDENTITY), resource_id=UUID(GRAPH_SP), app_role_id=UUID(USER_READ_ALL)
    )
    name, principal_id = relationship(walk)
    created = walk.keep(await getattr(principal(walk, principal_id), name).post(body))
    assert isinstance(created.id, str)
    return created.id


@walks("GET", "/servicePrincipals")
async def list_service_principals(walk: Walk) -> None:
    """serviceprincipal-list: example 1 (all), and the query the grant command sends."""
    builder = walk.graph.service_principals
    walk.keep(await builder.with_url(walk.url()).get())
    query = f"?$filter=appId+eq+'{GRAPH_APP_ID}'&$select=id,appRoles"
    walk.keep(await builder.with_url(walk.url(query)).get())


@walks("GET", "/servicePrincipals/{principal_id}")
async def get_service_principal(walk: Walk) -> None:
    """serviceprincipal-get: example 1 (by id): Microsoft Graph's, with its app roles, and the identity."""
    for principal_id in (GRAPH_SP, IDENTITY):
        builder = principal(walk, principal_id)
        walk.keep(await builder.with_url(walk.url(principal_id=principal_id)).get())


@walks("POST", ASSIGNMENTS, ASSIGNED_TO)
async def grant(walk: Walk) -> None:
    """serviceprincipal-post-approleassignments (the client's id in the URL and as ``principalId``) /
    serviceprincipal-post-approleassignedto (the resource's id in the URL and as ``resourceId``)."""
    await grant_user_read_all(walk)


@walks("GET", ASSIGNMENTS, ASSIGNED_TO)
async def list_assignments(walk: Walk) -> None:
    """serviceprincipal-list-approleassignments / -approleassignedto: examples, after a grant."""
    await grant_user_read_all(walk)
    name, principal_id = relationship(walk)
    builder = getattr(principal(walk, principal_id), name)
    listed = walk.keep(await builder.with_url(walk.url(principal_id=principal_id)).get())
    assert [str(a.app_role_id) for a in listed.value] == [USER_READ_ALL]


@walks("DELETE", f"{ASSIGNMENTS}/{{assignment_id}}", f"{ASSIGNED_TO}/{{assignment_id}}")
async def revoke(walk: Walk) -> None:
    """serviceprincipal-delete-approleassignments / -approleassignedto: examples."""
    assignment_id = await grant_user_read_all(walk)
    name, principal_id = relationship(walk)
    builder = getattr(principal(walk, principal_id), name).by_app_role_assignment_id(assignment_id)
    await builder.with_url(walk.url(principal_id=principal_id, assignment_id=assignment_id)).delete()


# ---------------------------------------------------------------- $batch (json-batching)

BATCH_ITEMS: list[tuple[dict[str, Any], ParsableFactory[Any]]] = [
    ({"method": "GET", "url": f"/users/{MEGAN}?$select=displayName,postalCode,identities"}, User),
    ({"method": "GET", "url": f"/groups/{FEELGOOD}"}, Group),
    (
        {
            "method": "POST",
            "url": "/invitations",
            "headers": {"Content-Type": "application/json"},
            "body": {"invitedUserEmailAddress": "batch@fabrikam.com", "inviteRedirectUrl": REDIRECT},
        },
        Invitation,
    ),
    (
        {
            "method": "POST",
            "url": f"/users/{MEGAN}/getMemberGroups",
            "headers": {"Content-Type": "application/json"},
            "body": {"securityEnabledOnly": False},
        },
        GetMemberGroupsPostResponse,
    ),
]


@walks("POST", "/$batch")
async def batch(walk: Walk) -> None:
    """concepts/json-batching: each item's body parsed as the model its operation returns."""
    request = RequestInformation(Method.POST, walk.url())
    request.headers.try_add("Content-Type", "application/json")
    items = [{"id": str(i), **item} for i, (item, _) in enumerate(BATCH_ITEMS)]
    request.content = json.dumps({"requests": items}).encode()
    adapter: Any = walk.graph.request_adapter  # typed as answering nothing; it answers the bytes
    raw = await adapter.send_primitive_async(request, "bytes", {"XXX": ODataError})
    responses = {r["id"]: r for r in json.loads(raw)["responses"]}
    for i, (_, model) in enumerate(BATCH_ITEMS):
        response = responses[str(i)]
        assert response["status"] < 400, response
        content = json.dumps(response["body"]).encode()
        node = JsonParseNodeFactory().get_root_parse_node("application/json", content)
        walk.keep(node.get_object_value(model))


# ---------------------------------------------------------------- the walk


def test_every_served_route_is_walked() -> None:
    routes = {key for key in served_routes() if not key[1].startswith(SKIPPED_PREFIXES)}
    assert sorted(routes - WALKS.keys()) == [], "served routes without a walk"
    assert sorted(WALKS.keys() - routes) == [], "walks of routes the emulator doesn't serve"


def test_invented_finds_unknown_names_at_any_depth() -> None:
    """The check itself: an unknown top-level or nested name is reported, the context annotation not."""
    body = {
        "@odata.context": "x",
        "id": "1",
        "shoeSize": 44,
        "invitedUserMessageInfo": {"ccRecipients": [{"emailAddress": {"address": "a@b.c", "mood": "ok"}}]},
    }
    node = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(body).encode())
    model = node.get_object_value(Invitation)
    assert invented(model) == [".shoeSize", ".invited_user_message_info.cc_recipients[0].email_address.mood"]


@pytest.mark.parametrize("route", sorted(WALKS), ids=lambda key: f"{key[0]} {key[1]}")
async def test_route_answers_only_schema_properties(
    route: RouteKey, graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    walk = Walk(graph, route[1].removeprefix("/v1.0"))
    await WALKS[route](walk)
    statuses = [e.status for e in emulator_state.requests.entries if (e.method, e.route) == route]
    assert statuses, "the walk never reached its route"
    assert all(status < 400 for status in statuses), statuses
    assert [name for model in walk.parsed for name in invented(model)] == []
