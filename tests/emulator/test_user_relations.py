"""A user's relationships through the real SDK: ``memberOf`` (and its group cast) and ``sponsors``."""

from __future__ import annotations

import pytest
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.member_of.graph_group.graph_group_request_builder import (
    GraphGroupRequestBuilder,
)
from msgraph.generated.users.item.member_of.member_of_request_builder import MemberOfRequestBuilder

from .directory_helpers import (
    ALREADY_EXISTS,
    FEELGOOD,
    MEGAN,
    MISSING,
    RETAIL,
    collect,
    config,
    invite_id,
    not_found,
    odata_error,
    ref,
)


async def test_member_of_and_group_cast_are_paged(graph) -> None:
    await graph.groups.by_group_id(RETAIL).members.ref.post(ref(MEGAN))
    member_of = await graph.users.by_user_id(MEGAN).member_of.get()
    assert {g.id for g in member_of.value} == {FEELGOOD, RETAIL}
    assert {g.odata_type for g in member_of.value} == {"#microsoft.graph.group"}
    query = GraphGroupRequestBuilder.GraphGroupRequestBuilderGetQueryParameters(
        top=1, select=["id", "displayName"]
    )
    first = await graph.users.by_user_id(MEGAN).member_of.graph_group.get(request_configuration=config(query))
    assert len(first.value) == 1
    assert first.odata_next_link is not None
    groups = await collect(graph, first)
    assert {g.id for g in groups} == {FEELGOOD, RETAIL}


async def test_member_of_filter_needs_advanced_query(graph) -> None:
    query = MemberOfRequestBuilder.MemberOfRequestBuilderGetQueryParameters(
        filter="startswith(displayName,'Feel')"
    )
    with pytest.raises(ODataError) as caught:
        await graph.users.by_user_id(MEGAN).member_of.get(request_configuration=config(query))
    assert odata_error(caught)[:2] == (400, "Request_UnsupportedQuery")
    advanced = MemberOfRequestBuilder.MemberOfRequestBuilderGetQueryParameters(
        filter="startswith(displayName,'Feel')", count=True
    )
    page = await graph.users.by_user_id(MEGAN).member_of.get(
        request_configuration=config(advanced, eventual=True)
    )
    assert [g.id for g in page.value] == [FEELGOOD]
    assert page.odata_count == 1


async def test_sponsors_add_list_remove(graph) -> None:
    guest = await invite_id(graph, "sponsored@fabrikam.example")
    await graph.users.by_user_id(guest).sponsors.ref.post(ref(MEGAN))
    await graph.users.by_user_id(guest).sponsors.ref.post(ref(RETAIL))
    sponsors = await graph.users.by_user_id(guest).sponsors.get()
    assert [(s.id, s.odata_type) for s in sponsors.value] == [
        (MEGAN, "#microsoft.graph.user"),
        (RETAIL, "#microsoft.graph.group"),
    ]
    with pytest.raises(ODataError) as again:
        await graph.users.by_user_id(guest).sponsors.ref.post(ref(MEGAN))
    assert odata_error(again) == (
        400,
        "Request_BadRequest",
        ALREADY_EXISTS.format("sponsors"),
    )
    with pytest.raises(ODataError) as unknown:
        await graph.users.by_user_id(guest).sponsors.ref.post(ref(MISSING))
    assert odata_error(unknown) == (404, "Request_ResourceNotFound", not_found(MISSING))

    await graph.users.by_user_id(guest).sponsors.by_directory_object_id(MEGAN).ref.delete()
    sponsors = await graph.users.by_user_id(guest).sponsors.get()
    assert [s.id for s in sponsors.value] == [RETAIL]
    with pytest.raises(ODataError) as gone:
        await graph.users.by_user_id(guest).sponsors.by_directory_object_id(MEGAN).ref.delete()
    assert odata_error(gone) == (404, "Request_ResourceNotFound", not_found(MEGAN))
