"""``$search`` on directory collections through the real SDK.

Sources: https://learn.microsoft.com/graph/search-query-parameter ("Using $search on directory object
collections": clause syntax, tokenisation, the examples reproduced here) and
https://learn.microsoft.com/graph/aad-advanced-queries ("Error handling for advanced queries on
directory objects": ``$search`` needs ``ConsistencyLevel: eventual``).
"""

from __future__ import annotations

import pytest
from msgraph.generated.groups.count.count_request_builder import CountRequestBuilder
from msgraph.generated.groups.item.members.graph_user.graph_user_request_builder import (
    GraphUserRequestBuilder,
)
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from .directory_helpers import (
    FEELGOOD,
    GroupsQuery,
    config,
    invite_id,
    list_groups,
    list_users,
    odata_error,
    ref,
)

SEARCH_NEEDS_EVENTUAL = (
    400,
    "Request_UnsupportedQuery",
    "Request with $search query parameter only works through MSGraph with a special request "
    "header: 'ConsistencyLevel: eventual'",
)


async def create_group(graph, name: str, nickname: str, description: str, *, unified: bool) -> str:
    body = Group(
        display_name=name,
        description=description,
        mail_enabled=unified,
        mail_nickname=nickname,
        security_enabled=not unified,
        group_types=["Unified"] if unified else [],
    )
    created = await graph.groups.post(body)
    assert created.id is not None
    return created.id


@pytest.fixture
async def video_groups(graph) -> tuple[str, str, str]:
    """Three groups shaped after the docs' examples: "OneVideo", "Video ... Drive", "OneDrive"."""
    one_video = await create_group(graph, "OneVideo Team", "onevideo", "One place for video", unified=True)
    archive = await create_group(graph, "Video Drive Archive", "drivearchive", "Recordings", unified=False)
    one_drive = await create_group(graph, "OneDrive Rollout", "onedrive", "One project", unified=True)
    return one_video, archive, one_drive


async def search_group_ids(graph, search: str, **query) -> set[str]:
    return {g.id or "" for g in await list_groups(graph, eventual=True, search=search, **query)}


async def test_search_needs_consistency_level(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await list_users(graph, search='"displayName:Megan"')
    assert odata_error(caught) == SEARCH_NEEDS_EVENTUAL
    # $search alone needs only the header, not $count=true
    assert [u.display_name for u in await list_users(graph, eventual=True, search='"displayName:Megan"')] == [
        "Megan Bowen"
    ]


async def test_display_name_is_searched_by_word_prefixes_not_contains(graph) -> None:
    ada = await invite_id(graph, "ada@fabrikam.example", invited_user_display_name="Ada Lovelace")
    for text in ("ada", "love", "LOVELACE ada", "Lovelace Ada"):
        assert [u.id for u in await list_users(graph, eventual=True, search=f'"displayName:{text}"')] == [ada]
    assert await list_users(graph, eventual=True, search='"displayName:velace"') == []  # no "contains"


async def test_camel_case_words_are_tokens(graph, video_groups) -> None:
    one_video, archive, _ = video_groups
    # "OneVideo" is the tokens one and video: only groups whose name has both
    assert await search_group_ids(graph, '"displayName:OneVideo"') == {one_video}
    assert await search_group_ids(graph, '"displayName:video"') == {one_video, archive}


async def test_other_properties_match_by_prefix(graph, video_groups) -> None:
    one_video, _, one_drive = video_groups
    assert await search_group_ids(graph, '"mail:onevideo"') == {one_video}
    assert await search_group_ids(graph, '"mail:one"') == {one_video, one_drive}
    guest = await invite_id(graph, "ada@fabrikam.example")
    assert [u.id for u in await list_users(graph, eventual=True, search='"mail:ADA@fab"')] == [guest]


async def test_clauses_combine_with_and_or_and_parentheses(graph, video_groups) -> None:
    one_video, archive, one_drive = video_groups
    assert await search_group_ids(graph, '"displayName:OneVideo" OR "mail:onedrive"') == {
        one_video,
        one_drive,
    }
    documented = '"description:One" AND ("displayName:Video" OR "displayName:Drive")'
    assert await search_group_ids(graph, documented) == {one_video, one_drive}
    assert await search_group_ids(graph, '"displayName:video" AND "displayName:drive"') == {archive}


async def test_search_and_filter_are_a_conjunction_and_count_counts_matches(graph, video_groups) -> None:
    one_video, _, _ = video_groups
    page = await graph.groups.get(
        request_configuration=config(
            GroupsQuery(filter="mailEnabled eq true", search='"displayName:video"', count=True), eventual=True
        )
    )
    assert [g.id for g in page.value] == [one_video]
    assert page.odata_count == 1
    count_query = CountRequestBuilder.CountRequestBuilderGetQueryParameters(search='"displayName:video"')
    assert await graph.groups.count.get(request_configuration=config(count_query, eventual=True)) == 2


async def test_search_on_a_relationship(graph) -> None:
    ada = await invite_id(graph, "ada@fabrikam.example", invited_user_display_name="Ada Lovelace")
    await graph.groups.by_group_id(FEELGOOD).members.ref.post(ref(ada))
    query = GraphUserRequestBuilder.GraphUserRequestBuilderGetQueryParameters(search='"displayName:ada"')
    page = await graph.groups.by_group_id(FEELGOOD).members.graph_user.get(
        request_configuration=config(query, eventual=True)
    )
    assert [u.id for u in page.value] == [ada]


@pytest.mark.parametrize(
    "search",
    [
        "displayName:Megan",
        '"displayName"',
        '"displayName:"',
        '"displayName:Megan" and "mail:m"',
        '("displayName:M"',
    ],
)
async def test_malformed_search_is_refused(graph, search: str) -> None:
    with pytest.raises(ODataError) as caught:
        await list_users(graph, eventual=True, search=search)
    status, code, message = odata_error(caught)
    assert (status, code) == (400, "Request_BadRequest")
    assert (message or "").startswith("Invalid $search value")


async def test_search_on_an_unknown_property_is_refused(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await list_users(graph, eventual=True, search='"shoeSize:9"')
    assert odata_error(caught) == (
        400,
        "Request_BadRequest",
        "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
    )
