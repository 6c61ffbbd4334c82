"""Advanced queries on directory objects through the real SDK: what needs ``ConsistencyLevel: eventual``
and ``$count=true``, and what works by default.

Source: https://learn.microsoft.com/graph/aad-advanced-queries ("Query scenarios that require
advanced query capabilities", "Support for filter by properties of Microsoft Entra ID (directory)
objects", "Error handling for advanced queries on directory objects").
"""

from __future__ import annotations

import pytest
from msgraph.generated.groups.item.members.graph_user.graph_user_request_builder import (
    GraphUserRequestBuilder,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User
from msgraph.generated.users.count.count_request_builder import CountRequestBuilder

from .directory_helpers import (
    ADELE,
    ADMIN,
    ALEX,
    FEELGOOD,
    ISAIAH,
    MEGAN,
    UsersQuery,
    config,
    list_users,
    odata_error,
)

NOT_EQUALS = (400, "Request_UnsupportedQuery", "Filter operator 'NotEqualsMatch' is not supported.")
NOT = (400, "Request_UnsupportedQuery", "Filter operator 'Not' is not supported.")


async def ids(graph, **query) -> set[str]:
    return {u.id or "" for u in await list_users(graph, **query)}


async def test_ne_needs_the_header_and_count(graph) -> None:
    await graph.users.by_user_id(ALEX).patch(User(account_enabled=False))
    documented = "accountEnabled ne true"  # the page's option 2
    with pytest.raises(ODataError) as plain:
        await list_users(graph, filter=documented)
    assert odata_error(plain) == NOT_EQUALS
    with pytest.raises(ODataError) as header_only:
        await list_users(graph, eventual=True, filter=documented)
    assert odata_error(header_only) == NOT_EQUALS
    with pytest.raises(ODataError) as count_only:  # $count=true without the header
        await list_users(graph, count=True, filter=documented)
    assert odata_error(count_only) == NOT_EQUALS
    assert await ids(graph, eventual=True, count=True, filter=documented) == {ALEX}
    # option 1, the same question with eq, works by default
    assert await ids(graph, filter="accountEnabled eq false") == {ALEX}


async def test_not_needs_an_advanced_query(graph) -> None:
    documented = "NOT startsWith(displayName, 'A')"
    with pytest.raises(ODataError) as caught:
        await list_users(graph, filter=documented)
    assert odata_error(caught) == NOT
    assert await ids(graph, eventual=True, count=True, filter=documented) == {ADMIN, MEGAN, ISAIAH}


async def test_documented_ne_and_not_example(graph) -> None:
    await graph.users.by_user_id(ADELE).patch(User(company_name="Microsoft"))
    await graph.users.by_user_id(MEGAN).patch(User(company_name="Contoso"))
    documented = "companyName ne null and NOT(companyName eq 'Microsoft')"
    with pytest.raises(ODataError) as caught:
        await list_users(graph, filter=documented)
    assert odata_error(caught) == NOT_EQUALS
    assert await ids(graph, eventual=True, count=True, filter=documented) == {MEGAN}


async def test_default_queries_also_work_as_advanced_queries(graph) -> None:
    upns = "userPrincipalName in ('AdeleV@contoso.onmicrosoft.com', 'AlexW@contoso.onmicrosoft.com')"
    assert await ids(graph, filter=upns) == {ADELE, ALEX}  # "in" works wherever "eq" does
    page = await graph.users.get(
        request_configuration=config(UsersQuery(filter=upns, count=True), eventual=True)
    )
    assert {u.id for u in page.value} == {ADELE, ALEX}
    assert page.odata_count == 2


async def test_ne_on_a_relationship_needs_an_advanced_query(graph) -> None:
    members = graph.groups.by_group_id(FEELGOOD).members.graph_user
    query = GraphUserRequestBuilder.GraphUserRequestBuilderGetQueryParameters(filter=f"id ne '{MEGAN}'")
    with pytest.raises(ODataError) as caught:
        await members.get(request_configuration=config(query))
    assert odata_error(caught) == NOT_EQUALS
    query.count = True
    page = await members.get(request_configuration=config(query, eventual=True))
    assert [u.id for u in page.value] == [ALEX]


async def test_count_segment_counts_filter_matches(graph) -> None:
    query = CountRequestBuilder.CountRequestBuilderGetQueryParameters(filter="startswith(displayName,'A')")
    assert await graph.users.count.get(request_configuration=config(query, eventual=True)) == 2
    with pytest.raises(ODataError) as caught:
        await graph.users.count.get(request_configuration=config(query))
    assert odata_error(caught) == (400, "Request_BadRequest", "$count is not currently supported.")
