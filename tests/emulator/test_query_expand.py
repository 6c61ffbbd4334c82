"""``$expand`` on users and groups through the real SDK, with Graph's limits for directory objects.

Sources: https://learn.microsoft.com/graph/query-parameters ("expand parameter": at most 20 expanded
directory objects, no ``@odata.nextLink``, not with advanced queries), the relationships tables of
https://learn.microsoft.com/graph/api/resources/group (members "Supports $expand including nested
$select") and https://learn.microsoft.com/graph/api/resources/user, and
https://learn.microsoft.com/graph/aad-advanced-queries ("$expand is not currently supported with
advanced queries").
"""

from __future__ import annotations

import httpx
import pytest
from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

from .directory_helpers import (
    ALEX,
    FEELGOOD,
    IT_OPS,
    MEGAN,
    RETAIL,
    SALES,
    USER_DEFAULT,
    GroupsQuery,
    bearer,
    config,
    invite_id,
    list_groups,
    odata_error,
    ref,
)

GroupQuery = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters
UserQuery = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters


async def get_group(graph, group_id: str, **query):
    """``GET /groups/{id}`` through the SDK with these query options."""
    return await graph.groups.by_group_id(group_id).get(request_configuration=config(GroupQuery(**query)))


async def test_group_expands_members_with_their_types_and_default_properties(
    graph, raw_client: httpx.AsyncClient
) -> None:
    group = await get_group(graph, FEELGOOD, expand=["members"])
    assert group.display_name == "Feelgood Marketing Campaign"
    assert [(m.odata_type, m.id) for m in group.members] == [
        ("#microsoft.graph.user", MEGAN),
        ("#microsoft.graph.user", ALEX),
    ]
    assert isinstance(group.members[0], User)
    assert group.members[0].display_name == "Megan Bowen"
    body = (
        await raw_client.get(f"/v1.0/groups/{FEELGOOD}?$expand=members", headers=await bearer(raw_client))
    ).json()
    assert set(body["members"][0]) == USER_DEFAULT | {"@odata.type"}
    assert "members@odata.nextLink" not in body


async def test_nested_select_keeps_only_the_chosen_properties(graph, raw_client: httpx.AsyncClient) -> None:
    group = await get_group(
        graph, FEELGOOD, select=["id", "displayName"], expand=["members($select=id,displayName)"]
    )
    assert group.description is None  # not selected on the group either
    assert [(m.id, m.display_name, m.mail) for m in group.members] == [
        (MEGAN, "Megan Bowen", None),
        (ALEX, "Alex Wilber", None),
    ]
    url = f"/v1.0/groups/{FEELGOOD}?$select=id&$expand=owners($select=id)"
    body = (await raw_client.get(url, headers=await bearer(raw_client))).json()
    assert body["owners"] == [{"@odata.type": "#microsoft.graph.user", "id": MEGAN}]
    assert set(body) == {"@odata.context", "id", "owners"}


async def test_at_most_20_objects_are_expanded(graph, raw_client: httpx.AsyncClient) -> None:
    guests = [await invite_id(graph, f"guest{n}@fabrikam.example") for n in range(23)]
    for guest in guests:
        await graph.groups.by_group_id(SALES).members.ref.post(ref(guest))
    group = await get_group(graph, SALES, expand=["members($select=id)"])
    assert len(group.members) == 20
    listed = await graph.groups.by_group_id(SALES).members.get()  # the relationship itself pages on
    assert len(listed.value) == 24
    body = (
        await raw_client.get(f"/v1.0/groups/{SALES}?$expand=members", headers=await bearer(raw_client))
    ).json()
    assert len(body["members"]) == 20
    assert not any(key.startswith("members@") for key in body)


async def test_user_expands_member_of_and_sponsors(graph) -> None:
    guest = await invite_id(graph, "ada@fabrikam.example")
    await graph.groups.by_group_id(RETAIL).members.ref.post(ref(guest))
    await graph.users.by_user_id(guest).sponsors.ref.post(ref(MEGAN))
    expanded = await graph.users.by_user_id(guest).get(
        request_configuration=config(UserQuery(select=["id"], expand=["memberOf($select=id,displayName)"]))
    )
    assert [(g.odata_type, g.id, g.display_name) for g in expanded.member_of] == [
        ("#microsoft.graph.group", RETAIL, "Retail Partners")
    ]
    sponsored = await graph.users.by_user_id(guest).get(
        request_configuration=config(UserQuery(expand=["sponsors"]))
    )
    assert [s.id for s in sponsored.sponsors] == [MEGAN]
    assert sponsored.member_of is None  # only what was expanded


async def test_group_lists_expand_each_group(graph) -> None:
    groups = await list_groups(
        graph, filter="groupTypes/any(c:c eq 'Unified')", select=["id"], expand=["owners($select=id)"]
    )
    owners = {g.id: [o.id for o in g.owners or []] for g in groups}
    assert owners[FEELGOOD] == [MEGAN]
    assert owners[SALES] == []  # a group without owners expands to an empty collection
    it_ops = await get_group(graph, IT_OPS, expand=["memberOf"])
    assert it_ops.member_of == []


async def test_one_relationship_per_request(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await get_group(graph, FEELGOOD, expand=["members", "owners"])
    assert odata_error(caught) == (
        400,
        "BadRequest",
        "The result of parsing $expand contained at least 2 items, but the maximum allowed is 1.",
    )


async def test_unknown_and_non_navigation_properties_are_refused(graph) -> None:
    # $expand and $select share Graph's parser, so its refusals carry the same prefix and code as
    # $select's; the non-navigation wording is Graph's for messages
    # (https://github.com/Softeria/ms-365-mcp-server/pull/595).
    with pytest.raises(ODataError) as unknown:
        await get_group(graph, FEELGOOD, expand=["followers"])
    assert odata_error(unknown) == (
        400,
        "BadRequest",
        "Parsing OData Select and Expand failed: "
        "Could not find a property named 'followers' on type 'microsoft.graph.group'.",
    )
    with pytest.raises(ODataError) as plain:
        await get_group(graph, FEELGOOD, expand=["displayName"])
    assert odata_error(plain) == (
        400,
        "BadRequest",
        "Parsing OData Select and Expand failed: "
        "Property 'displayName' on type 'microsoft.graph.group' is not a navigation property or complex "
        "property. Only navigation properties can be expanded.",
    )
    with pytest.raises(ODataError) as nested_unknown:
        await get_group(graph, FEELGOOD, expand=["members($select=id,shoeSize)"])
    assert odata_error(nested_unknown) == (
        400,
        "BadRequest",
        "Parsing OData Select and Expand failed: "
        "Could not find a property named 'shoeSize' on type 'microsoft.graph.directoryObject'.",
    )


async def test_schema_names_are_known_to_expand(graph) -> None:
    # A property Graph's v1.0 schema has but the emulator doesn't store is still a property, and a
    # relationship the emulator doesn't expand is refused as not supported, not as unknown.
    with pytest.raises(ODataError) as stored_elsewhere:
        await graph.users.by_user_id(MEGAN).get(
            request_configuration=config(UserQuery(expand=["identities"]))
        )
    assert odata_error(stored_elsewhere) == (
        400,
        "BadRequest",
        "Parsing OData Select and Expand failed: "
        "Property 'identities' on type 'microsoft.graph.user' is not a navigation property or complex "
        "property. Only navigation properties can be expanded.",
    )
    with pytest.raises(ODataError) as unserved:
        await graph.users.by_user_id(MEGAN).get(request_configuration=config(UserQuery(expand=["manager"])))
    assert odata_error(unserved) == (
        400,
        "Request_UnsupportedQuery",
        "$expand of 'manager' on microsoft.graph.user is not supported.",
    )


async def test_expanded_objects_carry_schema_properties_they_select(
    graph, raw_client: httpx.AsyncClient
) -> None:
    # nested $select takes any v1.0 property of the member's type; unstored ones come back null or []
    url = f"/v1.0/groups/{FEELGOOD}?$select=id&$expand=members($select=id,postalCode,identities)"
    body = (await raw_client.get(url, headers=await bearer(raw_client))).json()
    assert body["members"][0] == {
        "@odata.type": "#microsoft.graph.user",
        "id": MEGAN,
        "postalCode": None,
        "identities": [],
    }


@pytest.mark.parametrize(
    "expand", ["members($expand=memberOf)", "members($top=5)", "members($filter=id eq 'x')"]
)
async def test_only_nested_select_and_one_level(graph, expand: str) -> None:
    with pytest.raises(ODataError) as caught:
        await get_group(graph, FEELGOOD, expand=[expand])
    assert odata_error(caught)[:2] == (400, "Request_UnsupportedQuery")


@pytest.mark.parametrize("expand", ["members($select=id", "members)", "members,"])
async def test_malformed_expand_is_refused(graph, expand: str) -> None:
    with pytest.raises(ODataError) as caught:
        await get_group(graph, FEELGOOD, expand=[expand])
    assert odata_error(caught) == (400, "Request_BadRequest", f"Invalid $expand expression '{expand}'.")


async def test_expand_takes_a_request_out_of_advanced_queries(graph) -> None:
    # $expand isn't supported with advanced queries: the header and $count=true then count nothing
    page = await graph.groups.get(
        request_configuration=config(GroupsQuery(count=True, expand=["owners"]), eventual=True)
    )
    assert page.odata_count is None
    assert len(page.value) == 5
    with pytest.raises(ODataError) as caught:  # and $search is refused as if the header were missing
        await graph.groups.get(
            request_configuration=config(
                GroupsQuery(search='"displayName:sales"', expand=["owners"]), eventual=True
            )
        )
    assert odata_error(caught)[:2] == (400, "Request_UnsupportedQuery")
    assert "special request header: 'ConsistencyLevel: eventual'" in (odata_error(caught)[2] or "")
