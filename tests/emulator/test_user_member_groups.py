"""``POST /users/{id}/getMemberGroups`` (and ``/directoryObjects/{id}/getMemberGroups``) through the
real SDK: transitive group ids, ``securityEnabledOnly``, Graph's errors, ``$batch``, and the
documented permission combinations.

Sources: user-getmembergroups (en-us, application: "User.Read.All and GroupMember.Read.All,
User.Read.All and Group.Read.All, Directory.Read.All"; up to 11,000 ids, else 400
``Directory_ResultSizeLimitExceeded``) and directoryobject-getmembergroups ("Group memberships for
a directory object": Directory.Read.All; the response example with
``@odata.context: .../$metadata#Collection(Edm.String)``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from msgraph.generated.directory_objects.item.get_member_groups.get_member_groups_post_request_body import (
    GetMemberGroupsPostRequestBody as ObjectGetMemberGroupsPostRequestBody,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.get_member_groups.get_member_groups_post_request_body import (
    GetMemberGroupsPostRequestBody,
)
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from graph_emulator.auth import KNOWN_PERMISSIONS
from graph_emulator.directory import Group
from graph_emulator.resources.users import models
from graph_emulator.state import TenantState

from .directory_helpers import (
    ADELE,
    ALEX,
    DENIED,
    FEELGOOD,
    MEGAN,
    MISSING,
    RETAIL,
    bearer,
    not_found,
    odata_error,
    ref,
)

ALL_GROUPS = GetMemberGroupsPostRequestBody(security_enabled_only=False)
SECURITY_ONLY = GetMemberGroupsPostRequestBody(security_enabled_only=True)
ACCEPTED = (
    ("User.Read.All", "GroupMember.Read.All"),
    ("User.Read.All", "Group.Read.All"),
    ("Directory.Read.All",),
)
NOT_ENOUGH = (
    ("User.Read.All",),
    ("GroupMember.Read.All",),
    ("Group.Read.All",),
    ("GroupMember.Read.All", "Group.Read.All"),
    tuple(p for p in KNOWN_PERMISSIONS if p not in {p for c in ACCEPTED for p in c}),  # every other one
)


async def member_groups(graph: GraphServiceClient, user_id: str, body: Any = ALL_GROUPS) -> list[str]:
    result = await graph.users.by_user_id(user_id).get_member_groups.post(body)
    assert result is not None
    assert result.value is not None
    return result.value


def add_group(state: TenantState, name: str, *members: str, security: bool = True) -> str:
    """A group (security, or a mail-enabled distribution group) with these members, users or groups."""
    ident = state.ids.new_id()
    state.directory.groups[ident] = Group(
        id=ident,
        display_name=name,
        mail_nickname=name.lower(),
        mail_enabled=not security,
        security_enabled=security,
        created=state.clock.now(),
        members=dict.fromkeys(members),
    )
    return ident


@pytest.fixture
async def api(raw_client: httpx.AsyncClient) -> httpx.AsyncClient:
    authorization = await bearer(raw_client)
    raw_client.headers.update(authorization)
    return raw_client


async def test_the_group_ids_of_a_user_as_a_string_collection(graph, emulator_state) -> None:
    await graph.groups.by_group_id(RETAIL).members.ref.post(ref(MEGAN))
    result = await graph.users.by_user_id(MEGAN).get_member_groups.post(ALL_GROUPS)
    assert result is not None
    assert result.value == [FEELGOOD, RETAIL]
    assert (
        result.additional_data["@odata.context"] == "http://127.0.0.1/v1.0/$metadata#Collection(Edm.String)"
    )
    assert result.odata_next_link is None  # never paged
    assert emulator_state.requests.writes == 1  # the member added: the action is a read


async def test_membership_is_transitive_and_security_enabled_only_keeps_security_chains(
    graph, emulator_state
) -> None:
    inner = add_group(emulator_state, "Inner", ALEX)
    outer = add_group(emulator_state, "Outer", inner)
    distribution = add_group(emulator_state, "Distribution", ALEX, security=False)
    behind_distribution = add_group(emulator_state, "BehindDistribution", distribution)

    direct = await graph.users.by_user_id(ALEX).member_of.graph_group.get()
    assert {g.id for g in direct.value} == {FEELGOOD, inner, distribution}
    assert set(await member_groups(graph, ALEX)) == {
        FEELGOOD,
        inner,
        distribution,
        outer,
        behind_distribution,
    }
    # Feelgood is a Microsoft 365 group (not security enabled); a security group reached only
    # through a distribution group is not a security membership.
    assert set(await member_groups(graph, ALEX, SECURITY_ONLY)) == {inner, outer}
    assert await member_groups(graph, ADELE, SECURITY_ONLY) == []


async def test_a_user_in_no_group_gets_an_empty_list(graph, emulator_state) -> None:
    emulator_state.directory.groups[RETAIL].members.pop(ADELE)
    assert await member_groups(graph, ADELE) == []


async def test_unknown_and_deleted_users_are_404(graph, emulator_state) -> None:
    with pytest.raises(ODataError) as unknown:
        await member_groups(graph, MISSING)
    assert odata_error(unknown) == (404, "Request_ResourceNotFound", not_found(MISSING))
    emulator_state.directory.users[ADELE].deleted = emulator_state.clock.now()
    with pytest.raises(ODataError) as deleted:
        await member_groups(graph, ADELE)
    assert odata_error(deleted)[:2] == (404, "Request_ResourceNotFound")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Empty Payload, JSON content expected"),
        (b"{not json", "Unable to read JSON request payload."),
        (b"{}", "The parameter 'securityEnabledOnly' is required and must be a Boolean."),
        (b'{"securityEnabledOnly": "false"}', "The parameter 'securityEnabledOnly' is required"),
        (b'{"securityEnabledOnly": null}', "The parameter 'securityEnabledOnly' is required"),
        (b'{"securityEnabledOnly": false, "top": 5}', "The parameter 'top' in the request payload"),
    ],
)
async def test_a_missing_or_invalid_body_is_400(api: httpx.AsyncClient, content: bytes, message: str) -> None:
    response = await api.post(
        f"/v1.0/users/{MEGAN}/getMemberGroups", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["message"].startswith(message)


async def test_the_sdk_body_must_name_a_boolean(graph) -> None:
    """msgraph-sdk 1.65 serializes ``security_enabled_only=None`` under its Python name: a 400."""
    with pytest.raises(ODataError) as caught:
        await member_groups(graph, MEGAN, GetMemberGroupsPostRequestBody(security_enabled_only=None))
    assert odata_error(caught)[:2] == (400, "BadRequest")


async def test_more_than_the_limit_is_the_documented_400(graph, emulator_state, monkeypatch) -> None:
    monkeypatch.setattr(models, "MAX_MEMBER_GROUPS", 1)
    await graph.groups.by_group_id(RETAIL).members.ref.post(ref(MEGAN))
    with pytest.raises(ODataError) as caught:
        await member_groups(graph, MEGAN)
    assert odata_error(caught)[:2] == (400, "Directory_ResultSizeLimitExceeded")
    assert await member_groups(graph, ALEX) == [FEELGOOD]  # one is within the limit


async def test_the_namespace_qualified_action_is_served(api: httpx.AsyncClient) -> None:
    response = await api.post(
        f"/v1.0/users/{MEGAN}/microsoft.graph.getMemberGroups", json={"securityEnabledOnly": False}
    )
    assert (response.status_code, response.json()["value"]) == (200, [FEELGOOD])
    assert (await api.get(f"/v1.0/users/{MEGAN}/getMemberGroups")).status_code == 405


async def test_served_as_batch_items(graph, emulator_state) -> None:
    """Built with the SDK's request builder, as the app sends it; each item answered on its own."""
    items = []
    for ident, user in (("1", MEGAN), ("2", MISSING)):
        info = graph.users.by_user_id(user).get_member_groups.to_post_request_information(ALL_GROUPS)
        item = BatchRequestItem(info, id=ident)
        item.url = urlsplit(item.url).path.removeprefix("/v1.0")
        items.append(item)
    content = BatchRequestContent({item.id: item for item in items})
    request = await graph.batch.to_post_request_information(content)
    raw = await graph.request_adapter.send_primitive_async(request, "bytes", {"XXX": ODataError})
    answers = {r["id"]: r for r in json.loads(raw)["responses"]}

    assert answers["1"]["status"] == 200
    assert answers["1"]["headers"]["Content-Type"] == "application/json"
    assert answers["1"]["body"] == {
        "@odata.context": "http://127.0.0.1/v1.0/$metadata#Collection(Edm.String)",
        "value": [FEELGOOD],
    }
    assert answers["2"]["status"] == 404
    assert answers["2"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert emulator_state.requests.summary()["operationsByRoute"] == {
        "POST /v1.0/users/{user_id}/getMemberGroups": 2
    }
    assert emulator_state.requests.writes == 0


@pytest.mark.parametrize("roles", ACCEPTED, ids=" + ".join)
async def test_each_documented_combination_suffices(make_graph, roles: tuple[str, ...]) -> None:
    assert await member_groups(make_graph(roles), MEGAN) == [FEELGOOD]


@pytest.mark.parametrize(
    "roles", NOT_ENOUGH, ids=["User", "GroupMember", "Group", "both group ones", "others"]
)
async def test_anything_less_is_refused(make_graph, roles: tuple[str, ...]) -> None:
    with pytest.raises(ODataError) as caught:
        await member_groups(make_graph(roles), MEGAN)
    assert odata_error(caught) == (403, "Authorization_RequestDenied", DENIED)


async def test_directory_objects_form_serves_users_and_groups_with_directory_read_all(
    make_graph, emulator_state
) -> None:
    inner = add_group(emulator_state, "Inner", ALEX)
    outer = add_group(emulator_state, "Outer", inner)
    body = ObjectGetMemberGroupsPostRequestBody(security_enabled_only=False)
    directory = make_graph(["Directory.Read.All"])
    for object_id, expected in ((ALEX, {FEELGOOD, inner, outer}), (inner, {outer}), (outer, set())):
        result = await directory.directory_objects.by_directory_object_id(object_id).get_member_groups.post(
            body
        )
        assert result is not None
        assert set(result.value or []) == expected
    with pytest.raises(ODataError) as missing:
        await directory.directory_objects.by_directory_object_id(MISSING).get_member_groups.post(body)
    assert odata_error(missing)[:2] == (404, "Request_ResourceNotFound")
    # the user-scoped pair is documented for /users/{id}/getMemberGroups only
    pair = make_graph(["User.Read.All", "GroupMember.Read.All"])
    with pytest.raises(ODataError) as refused:
        await pair.directory_objects.by_directory_object_id(ALEX).get_member_groups.post(body)
    assert odata_error(refused) == (403, "Authorization_RequestDenied", DENIED)
