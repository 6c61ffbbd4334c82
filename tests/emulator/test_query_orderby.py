"""``$orderby`` on directory collections through the real SDK, with Graph's sorting rules.

Sources: https://learn.microsoft.com/graph/aad-advanced-queries ("Support for sorting by properties of
Microsoft Entra ID (directory) objects", "Query scenarios that require advanced query capabilities")
and https://learn.microsoft.com/graph/query-parameters ("orderby parameter").
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from msgraph.generated.directory.deleted_items.graph_user.graph_user_request_builder import (
    GraphUserRequestBuilder as DeletedUsersBuilder,
)
from msgraph.generated.groups.item.members.graph_user.graph_user_request_builder import (
    GraphUserRequestBuilder,
)
from msgraph.generated.groups.item.members.members_request_builder import MembersRequestBuilder
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from graph_emulator import TenantState

from .directory_helpers import (
    ADELE,
    ADMIN,
    ALEX,
    FEELGOOD,
    ISAIAH,
    MEGAN,
    UsersQuery,
    collect,
    config,
    invite_id,
    list_groups,
    list_users,
    odata_error,
    ref,
)

SORTING_UNSUPPORTED = (400, "Request_UnsupportedQuery", "Sorting not supported for current query.")
UNSUPPORTED_PROPERTY = (400, "Request_UnsupportedQuery", "An unsupported property was specified.")


def unsupported_sort(name: str, type_name: str) -> tuple[int, str, str]:
    return 400, "Request_UnsupportedQuery", f"Unsupported sort property '{name}' for '{type_name}'."


async def test_users_sort_by_display_name_both_ways_without_advanced_query(graph) -> None:
    # displayName on users sorts by default (no ConsistencyLevel); the default order is ascending.
    ascending = await list_users(graph, orderby=["displayName"], select=["id", "displayName"])
    assert [u.id for u in ascending] == [ADELE, ALEX, ISAIAH, MEGAN, ADMIN]  # case-insensitive
    descending = await list_users(graph, orderby=["displayName desc"], select=["id"])
    assert [u.id for u in descending] == [ADMIN, MEGAN, ISAIAH, ALEX, ADELE]


async def test_users_sort_by_user_principal_name(graph) -> None:
    found = await list_users(graph, orderby=["userPrincipalName asc"], select=["userPrincipalName"])
    assert [u.user_principal_name for u in found] == [
        "AdeleV@contoso.onmicrosoft.com",
        "admin@contoso.onmicrosoft.com",
        "AlexW@contoso.onmicrosoft.com",
        "IsaiahL@contoso.onmicrosoft.com",
        "MeganB@contoso.onmicrosoft.com",
    ]


async def test_groups_sort_by_display_name(graph) -> None:
    found = await list_groups(graph, orderby=["displayName desc"], select=["displayName"])
    assert [g.display_name for g in found] == [
        "Sales Pipeline",
        "Retail Partners",
        "IT Operations",
        "Helpdesk Administrators",
        "Feelgood Marketing Campaign",
    ]


async def test_sorted_paging_keeps_the_order_across_pages(graph) -> None:
    first = await graph.users.get(
        request_configuration=config(UsersQuery(orderby=["displayName desc"], top=2))
    )
    assert "$orderby=displayName" in (first.odata_next_link or "")
    assert [u.id for u in await collect(graph, first)] == [ADMIN, MEGAN, ISAIAH, ALEX, ADELE]


async def test_created_date_time_sorts_only_in_an_advanced_query(graph, emulator_state: TenantState) -> None:
    emulator_state.clock.advance(timedelta(days=1))
    later = await invite_id(graph, "later@fabrikam.example")
    emulator_state.clock.advance(timedelta(days=1))
    latest = await invite_id(graph, "latest@fabrikam.example")
    with pytest.raises(ODataError) as plain:
        await list_users(graph, orderby=["createdDateTime desc"])
    assert odata_error(plain) == unsupported_sort("createdDateTime", "User")
    with pytest.raises(ODataError) as header_only:  # the header without $count=true is not enough
        await list_users(graph, eventual=True, orderby=["createdDateTime desc"])
    assert odata_error(header_only) == UNSUPPORTED_PROPERTY
    found = await list_users(graph, eventual=True, count=True, orderby=["createdDateTime desc"])
    assert [u.id for u in found][:2] == [latest, later]


async def test_properties_graph_cannot_sort_by_are_refused(graph) -> None:
    with pytest.raises(ODataError) as plain:
        await list_users(graph, orderby=["jobTitle"])
    assert odata_error(plain) == unsupported_sort("jobTitle", "User")
    with pytest.raises(ODataError) as advanced:  # even as an advanced query
        await list_users(graph, eventual=True, count=True, orderby=["jobTitle"])
    assert odata_error(advanced) == UNSUPPORTED_PROPERTY
    with pytest.raises(ODataError) as group_created:  # groups sort by displayName and deletedDateTime only
        await list_groups(graph, eventual=True, count=True, orderby=["createdDateTime"])
    assert odata_error(group_created) == UNSUPPORTED_PROPERTY


async def test_unknown_sort_property_is_refused(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await list_users(graph, orderby=["shoeSize"])
    assert odata_error(caught) == (
        400,
        "Request_BadRequest",
        "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
    )


async def test_filter_with_orderby_needs_an_advanced_query(graph) -> None:
    query: dict[str, Any] = {"filter": "startswith(displayName,'a')", "orderby": ["displayName desc"]}
    with pytest.raises(ODataError) as caught:
        await list_users(graph, **query)
    assert odata_error(caught) == SORTING_UNSUPPORTED
    with pytest.raises(ODataError) as groups:
        await list_groups(graph, filter="mailEnabled eq true", orderby=["displayName"])
    assert odata_error(groups) == SORTING_UNSUPPORTED
    found = await list_users(graph, eventual=True, count=True, **query)
    assert [u.id for u in found] == [ALEX, ADELE]


async def test_deleted_users_sort_by_deleted_date_time_only_in_an_advanced_query(graph) -> None:
    await graph.users.by_user_id(ALEX).delete()
    await graph.users.by_user_id(ADELE).delete()
    query = DeletedUsersBuilder.GraphUserRequestBuilderGetQueryParameters(orderby=["deletedDateTime desc"])
    with pytest.raises(ODataError) as caught:
        await graph.directory.deleted_items.graph_user.get(request_configuration=config(query))
    assert odata_error(caught) == unsupported_sort("deletedDateTime", "User")
    query.count = True
    page = await graph.directory.deleted_items.graph_user.get(
        request_configuration=config(query, eventual=True)
    )
    assert {u.id for u in page.value} == {ALEX, ADELE}
    assert page.odata_count == 2


async def test_members_sort_only_cast_to_a_type_and_in_an_advanced_query(graph) -> None:
    await graph.groups.by_group_id(FEELGOOD).members.ref.post(ref(ADELE))
    members = graph.groups.by_group_id(FEELGOOD).members
    # a directoryObject collection has no displayName to sort by
    untyped = MembersRequestBuilder.MembersRequestBuilderGetQueryParameters(
        orderby=["displayName"], count=True
    )
    with pytest.raises(ODataError) as caught:
        await members.get(request_configuration=config(untyped, eventual=True))
    status, code, message = odata_error(caught)
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert "SingleValueOpenPropertyAccessNode is not supported" in (message or "")
    users = GraphUserRequestBuilder.GraphUserRequestBuilderGetQueryParameters(orderby=["displayName"])
    with pytest.raises(ODataError) as plain:  # relationships sort only in advanced queries
        await members.graph_user.get(request_configuration=config(users))
    assert odata_error(plain) == SORTING_UNSUPPORTED
    users.count = True
    page = await members.graph_user.get(request_configuration=config(users, eventual=True))
    assert [u.id for u in page.value] == [ADELE, ALEX, MEGAN]
    assert page.odata_count == 3


async def test_bad_sort_direction_is_refused(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await list_users(graph, orderby=["displayName sideways"])
    assert odata_error(caught)[:2] == (400, "Request_BadRequest")
