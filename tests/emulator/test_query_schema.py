"""Query options over the schema's property sets: ``$filter``, ``$search`` and ``$orderby`` see every
stored property whatever ``$select`` keeps, and names are Graph's v1.0 ones.

Sources: https://learn.microsoft.com/graph/aad-advanced-queries (advanced queries, sortable
properties), https://learn.microsoft.com/graph/api/group-list-members (members are directoryObjects,
each with its ``@odata.type``), https://learn.microsoft.com/graph/api/user-get (example 1: the user
default set; example 3: ``$select`` of properties such as ``postalCode``) and
https://learn.microsoft.com/graph/api/group-get (example 1: the group default set).
"""

from __future__ import annotations

import httpx
import pytest
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from .directory_helpers import (
    ALEX,
    FEELGOOD,
    GROUP_DEFAULT,
    IT_OPS,
    MEGAN,
    USER_DEFAULT,
    bearer,
    list_users,
    odata_error,
    ref,
)

USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"


async def get(raw_client: httpx.AsyncClient, url: str, *, eventual: bool = False) -> dict[str, object]:
    headers = await bearer(raw_client)
    if eventual:
        headers["ConsistencyLevel"] = "eventual"
    response = await raw_client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_members_carry_each_types_own_default_set(graph, raw_client: httpx.AsyncClient) -> None:
    await graph.groups.by_group_id(FEELGOOD).members.ref.post(ref(IT_OPS))
    body = await get(raw_client, f"/v1.0/groups/{FEELGOOD}/members")
    by_type = {item["@odata.type"]: item for item in body["value"]}  # type: ignore[attr-defined]
    assert set(by_type[USER_TYPE]) == USER_DEFAULT | {"@odata.type"}
    assert list(by_type[GROUP_TYPE]) == ["@odata.type", *GROUP_DEFAULT]


async def test_members_filter_and_search_see_properties_not_selected(
    graph, raw_client: httpx.AsyncClient
) -> None:
    await graph.groups.by_group_id(FEELGOOD).members.ref.post(ref(IT_OPS))
    members = f"/v1.0/groups/{FEELGOOD}/members?$select=id"
    filtered = await get(raw_client, f"{members}&$filter=startswith(displayName,'Alex')")
    assert filtered["value"] == [{"@odata.type": USER_TYPE, "id": ALEX}]
    searched = await get(raw_client, f'{members}&$search="displayName:operations"', eventual=True)
    assert searched["value"] == [{"@odata.type": GROUP_TYPE, "id": IT_OPS}]


async def test_member_of_filter_sees_properties_not_selected(raw_client: httpx.AsyncClient) -> None:
    query = "$select=id&$filter=groupTypes/any(c:c eq 'Unified')&$count=true"
    body = await get(raw_client, f"/v1.0/users/{MEGAN}/memberOf?{query}", eventual=True)
    assert body["value"] == [{"@odata.type": GROUP_TYPE, "id": FEELGOOD}]


async def test_sorted_users_carry_selected_properties_the_emulator_does_not_store(graph) -> None:
    users = await list_users(graph, select=["displayName", "postalCode"], orderby=["displayName desc"])
    names = [u.display_name or "" for u in users]
    assert names == sorted(names, key=str.casefold, reverse=True)
    assert {u.postal_code for u in users} == {None}
    assert all(u.additional_data == {} for u in users)


@pytest.mark.parametrize(
    ("orderby", "expected"),
    [
        # a v1.0 property the emulator doesn't store is still a property, just not a sortable one
        (
            "postalCode",
            (400, "Request_UnsupportedQuery", "Unsupported sort property 'postalCode' for 'User'."),
        ),
        (
            "shoeSize",
            (
                400,
                "Request_BadRequest",
                "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
            ),
        ),
    ],
)
async def test_sort_names_are_checked_against_the_schema(
    graph, orderby: str, expected: tuple[int, str, str]
) -> None:
    with pytest.raises(ODataError) as caught:
        await list_users(graph, orderby=[orderby])
    assert odata_error(caught) == expected
