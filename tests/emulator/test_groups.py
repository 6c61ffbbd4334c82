"""Groups through the real SDK: create with binds, list/filter, update, delete, members and owners."""

from __future__ import annotations

import httpx
import pytest
from msgraph.generated.groups.item.members.graph_user.graph_user_request_builder import (
    GraphUserRequestBuilder,
)
from msgraph.generated.groups.item.members.members_request_builder import MembersRequestBuilder
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from .directory_helpers import (
    ADELE,
    ADMIN,
    ALEX,
    ALREADY_MEMBER,
    FEELGOOD,
    GRAPH_ROOT,
    HELPDESK,
    ISAIAH,
    IT_OPS,
    MEGAN,
    MISSING,
    RETAIL,
    SALES,
    GroupsQuery,
    bearer,
    collect,
    config,
    invite_id,
    not_found,
    odata_error,
    ref,
)


def user_url(user_id: str) -> str:
    return f"{GRAPH_ROOT}/users/{user_id}"


def new_group(nickname: str, **extra) -> Group:
    group = Group(
        display_name=f"Project {nickname}",
        mail_enabled=True,
        mail_nickname=nickname,
        security_enabled=False,
        group_types=["Unified"],
    )
    group.additional_data.update(extra)
    return group


async def member_ids(graph, group_id: str) -> list[str]:
    page = await graph.groups.by_group_id(group_id).members.get()
    return [m.id for m in page.value]


async def test_create_with_owners_and_members(graph) -> None:
    body = new_group(
        "atlas",
        **{"owners@odata.bind": [user_url(MEGAN)], "members@odata.bind": [user_url(ADELE), user_url(ALEX)]},
    )
    created = await graph.groups.post(body)
    assert created.display_name == "Project atlas"
    assert created.mail == "atlas@contoso.onmicrosoft.com"
    assert created.group_types == ["Unified"]
    assert created.visibility == "Public"
    assert created.is_assignable_to_role is False
    assert await member_ids(graph, created.id) == [ADELE, ALEX]
    owners = await graph.groups.by_group_id(created.id).owners.get()
    assert [o.id for o in owners.value] == [MEGAN]
    fetched = await graph.groups.by_group_id(created.id).get()
    assert fetched.mail_nickname == "atlas"


@pytest.mark.parametrize("missing", ["displayName", "mailEnabled", "mailNickname", "securityEnabled"])
async def test_required_properties(raw_client: httpx.AsyncClient, missing: str) -> None:
    authorization = await bearer(raw_client)
    body = {"displayName": "X", "mailEnabled": False, "mailNickname": "x", "securityEnabled": True}
    del body[missing]
    response = await raw_client.post("/v1.0/groups", headers=authorization, json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "Request_BadRequest"
    assert error["message"] == f"Invalid value specified for property '{missing}' of resource 'Group'."


async def test_bad_bind_creates_nothing(graph) -> None:
    before = len((await graph.groups.get()).value)
    body = new_group("ghost", **{"members@odata.bind": [user_url(ADELE), user_url(MISSING)]})
    with pytest.raises(ODataError) as caught:
        await graph.groups.post(body)
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(MISSING))
    assert len((await graph.groups.get()).value) == before


async def test_mail_nickname_conflict_is_refused(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await graph.groups.post(new_group("FeelgoodMarketing"))
    assert odata_error(caught) == (
        400,
        "Request_BadRequest",
        "Another object with the same value for property proxyAddresses already exists.",
    )


async def test_filter_unified_groups_and_skip_is_refused(graph) -> None:
    page = await graph.groups.get(
        request_configuration=config(GroupsQuery(filter="groupTypes/any(c:c eq 'Unified')", select=["id"]))
    )
    assert {g.id for g in page.value} == {FEELGOOD, RETAIL, SALES, HELPDESK}
    with pytest.raises(ODataError) as caught:
        await graph.groups.get(request_configuration=config(GroupsQuery(skip=1)))
    assert odata_error(caught) == (
        400,
        "Request_UnsupportedQuery",
        "'$skip' is not supported by the service.",
    )


async def test_groups_page_and_count(graph) -> None:
    first = await graph.groups.get(
        request_configuration=config(GroupsQuery(top=2, count=True), eventual=True)
    )
    assert first.odata_count == 5
    assert len(await collect(graph, first)) == 5


async def test_unknown_group_is_404(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await graph.groups.by_group_id(MISSING).get()
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(MISSING))


async def test_patch_properties(graph) -> None:
    await graph.groups.by_group_id(SALES).patch(Group(display_name="Sales Pipeline EMEA", description="EMEA"))
    group = await graph.groups.by_group_id(SALES).get()
    assert (group.display_name, group.description) == ("Sales Pipeline EMEA", "EMEA")


async def test_patch_members_bind_adds_all_or_nothing(graph) -> None:
    bind = Group()
    bind.additional_data["members@odata.bind"] = [user_url(ADELE), user_url(ALEX)]
    await graph.groups.by_group_id(SALES).patch(bind)
    assert await member_ids(graph, SALES) == [ISAIAH, ADELE, ALEX]

    unknown = Group()
    unknown.additional_data["members@odata.bind"] = [user_url(MEGAN), user_url(MISSING)]
    with pytest.raises(ODataError) as caught:
        await graph.groups.by_group_id(SALES).patch(unknown)
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(MISSING))

    existing = Group()
    existing.additional_data["members@odata.bind"] = [user_url(MEGAN), user_url(ADELE)]
    with pytest.raises(ODataError) as again:
        await graph.groups.by_group_id(SALES).patch(existing)
    assert odata_error(again) == (400, "Request_BadRequest", ALREADY_MEMBER)
    assert await member_ids(graph, SALES) == [ISAIAH, ADELE, ALEX]  # Megan was not added


async def test_patch_members_bind_is_limited_to_20(graph) -> None:
    guests = [await invite_id(graph, f"bulk{n}@fabrikam.example") for n in range(21)]
    too_many = Group()
    too_many.additional_data["members@odata.bind"] = [user_url(g) for g in guests]
    with pytest.raises(ODataError) as caught:
        await graph.groups.by_group_id(SALES).patch(too_many)
    assert odata_error(caught) == (
        400,
        "Request_BadRequest",
        "Up to 20 members can be added in a single request.",
    )
    twenty = Group()
    twenty.additional_data["members@odata.bind"] = [user_url(g) for g in guests[:20]]
    await graph.groups.by_group_id(SALES).patch(twenty)
    assert len(await member_ids(graph, SALES)) == 21


async def test_delete_unified_group_is_restorable_security_group_is_not(graph) -> None:
    await graph.groups.by_group_id(RETAIL).delete()
    await graph.groups.by_group_id(IT_OPS).delete()
    deleted = await graph.directory.deleted_items.graph_group.get()
    assert [g.id for g in deleted.value] == [RETAIL]
    with pytest.raises(ODataError) as caught:
        await graph.directory.deleted_items.by_directory_object_id(IT_OPS).get()
    assert caught.value.response_status_code == 404
    restored = await graph.directory.deleted_items.by_directory_object_id(RETAIL).restore.post()
    assert restored.odata_type == "#microsoft.graph.group"
    assert await member_ids(graph, RETAIL) == [ADELE]


async def test_add_and_remove_member(graph) -> None:
    await graph.groups.by_group_id(RETAIL).members.ref.post(ref(MEGAN))
    assert await member_ids(graph, RETAIL) == [ADELE, MEGAN]
    with pytest.raises(ODataError) as again:
        await graph.groups.by_group_id(RETAIL).members.ref.post(ref(MEGAN))
    assert odata_error(again) == (400, "Request_BadRequest", ALREADY_MEMBER)
    with pytest.raises(ODataError) as unknown:
        await graph.groups.by_group_id(RETAIL).members.ref.post(ref(MISSING))
    assert odata_error(unknown) == (404, "Request_ResourceNotFound", not_found(MISSING))
    with pytest.raises(ODataError) as no_group:
        await graph.groups.by_group_id(MISSING).members.ref.post(ref(MEGAN))
    assert odata_error(no_group) == (404, "Request_ResourceNotFound", not_found(MISSING))

    await graph.groups.by_group_id(RETAIL).members.by_directory_object_id(MEGAN).ref.delete()
    assert await member_ids(graph, RETAIL) == [ADELE]
    with pytest.raises(ODataError) as gone:
        await graph.groups.by_group_id(RETAIL).members.by_directory_object_id(MEGAN).ref.delete()
    assert odata_error(gone) == (404, "Request_ResourceNotFound", not_found(MEGAN))


async def test_nested_group_member_is_typed(graph) -> None:
    await graph.groups.by_group_id(RETAIL).members.ref.post(ref(SALES))
    page = await graph.groups.by_group_id(RETAIL).members.get()
    assert [(m.id, m.odata_type) for m in page.value] == [
        (ADELE, "#microsoft.graph.user"),
        (SALES, "#microsoft.graph.group"),
    ]
    users = await graph.groups.by_group_id(RETAIL).members.graph_user.get()
    assert [u.id for u in users.value] == [ADELE]
    groups = await graph.groups.by_group_id(RETAIL).members.graph_group.get()
    assert [g.id for g in groups.value] == [SALES]


async def test_members_select_takes_the_properties_of_either_type(graph) -> None:
    # $select on the directoryObject collection: each member carries what its own type has.
    await graph.groups.by_group_id(FEELGOOD).members.ref.post(ref(IT_OPS))
    names = ["id", "displayName", "userPrincipalName", "groupTypes"]
    query = MembersRequestBuilder.MembersRequestBuilderGetQueryParameters(select=names)
    page = await graph.groups.by_group_id(FEELGOOD).members.get(config(query))
    by_id = {m.id: m for m in page.value}
    assert by_id[MEGAN].user_principal_name == "MeganB@contoso.onmicrosoft.com"
    assert (by_id[IT_OPS].display_name, by_id[IT_OPS].group_types) == ("IT Operations", [])
    assert by_id[IT_OPS].additional_data == {}
    unknown = MembersRequestBuilder.MembersRequestBuilderGetQueryParameters(select=["id", "shoeSize"])
    with pytest.raises(ODataError) as caught:
        await graph.groups.by_group_id(FEELGOOD).members.get(config(unknown))
    assert odata_error(caught) == (
        400,
        "BadRequest",
        "Parsing OData Select and Expand failed: "
        "Could not find a property named 'shoeSize' on type 'microsoft.graph.directoryObject'.",
    )


async def test_owners_add_and_duplicate(graph) -> None:
    await graph.groups.by_group_id(SALES).owners.ref.post(ref(ISAIAH))
    owners = await graph.groups.by_group_id(SALES).owners.get()
    assert [o.id for o in owners.value] == [ISAIAH]
    with pytest.raises(ODataError) as again:
        await graph.groups.by_group_id(SALES).owners.ref.post(ref(ISAIAH))
    assert odata_error(again) == (
        400,
        "Request_BadRequest",
        "One or more added object references already exist for the following modified properties: 'owners'.",
    )
    with pytest.raises(ODataError) as last:
        await graph.groups.by_group_id(SALES).owners.by_directory_object_id(ISAIAH).ref.delete()
    assert last.value.response_status_code == 400


async def test_guest_members_cast_with_filter_count_and_paging(graph) -> None:
    guests = [await invite_id(graph, f"guest{n}@fabrikam.example") for n in range(3)]
    for guest in guests:
        await graph.groups.by_group_id(FEELGOOD).members.ref.post(ref(guest))
    query = GraphUserRequestBuilder.GraphUserRequestBuilderGetQueryParameters(
        filter="userType eq 'Guest'", count=True, top=2, select=["id", "userType"]
    )
    first = await graph.groups.by_group_id(FEELGOOD).members.graph_user.get(
        request_configuration=config(query, eventual=True)
    )
    assert first.odata_count == 3
    assert first.odata_next_link.startswith(f"http://127.0.0.1/v1.0/groups/{FEELGOOD}/members/graph.user?")
    found = await collect(graph, first)
    assert [u.id for u in found] == guests
    assert {u.user_type for u in found} == {"Guest"}


async def test_members_count_segment(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await graph.groups.by_group_id(FEELGOOD).members.count.get()
    assert odata_error(caught) == (400, "Request_BadRequest", "$count is not currently supported.")
    count = await graph.groups.by_group_id(FEELGOOD).members.count.get(
        request_configuration=config(eventual=True)
    )
    assert count == 2


async def test_members_list_is_paged(graph) -> None:
    query = MembersRequestBuilder.MembersRequestBuilderGetQueryParameters(top=1)
    first = await graph.groups.by_group_id(FEELGOOD).members.get(request_configuration=config(query))
    assert len(first.value) == 1
    assert [m.id for m in await collect(graph, first)] == [MEGAN, ALEX]


async def test_role_assignable_group_needs_role_management(make_graph) -> None:
    narrow = make_graph(["GroupMember.ReadWrite.All"])
    with pytest.raises(ODataError) as caught:
        await narrow.groups.by_group_id(HELPDESK).members.ref.post(ref(MEGAN))
    assert odata_error(caught) == (
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
    allowed = make_graph(["GroupMember.ReadWrite.All", "RoleManagement.ReadWrite.Directory"])
    await allowed.groups.by_group_id(HELPDESK).members.ref.post(ref(MEGAN))
    reader = make_graph(["GroupMember.Read.All"])
    assert [m.id for m in (await reader.groups.by_group_id(HELPDESK).members.get()).value] == [ADMIN, MEGAN]


async def test_creating_a_role_assignable_group_needs_role_management(make_graph) -> None:
    body = Group(
        display_name="Tier 1",
        mail_enabled=True,
        mail_nickname="tier1",
        security_enabled=True,
        group_types=["Unified"],
        is_assignable_to_role=True,
    )
    with pytest.raises(ODataError) as caught:
        await make_graph(["Group.Create"]).groups.post(body)
    assert caught.value.response_status_code == 403
    created = await make_graph(["Group.Create", "RoleManagement.ReadWrite.Directory"]).groups.post(body)
    assert created.is_assignable_to_role is True
