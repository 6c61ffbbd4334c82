"""Microsoft's documented request/response examples for the directory operations, replayed with raw
HTTP: the documented status codes, and the documented property names present in the response.

Sources (microsoft-graph-docs-contrib, api-reference/v1.0/api/): invitation-post, group-post-groups
(examples 1-3), group-get (examples 1-2), group-post-members (examples 1-2), group-delete-members,
user-list, user-get (examples 1 and 3), user-update (example 2), user-delete, user-list-memberof
(example 1), user-list-sponsors, user-post-sponsors, directory-deleteditems-list/-get/-restore;
concepts/aad-advanced-queries (error handling). Ids in the documented requests are replaced by seed ids.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .directory_helpers import (
    ADELE,
    ADMIN,
    ALEX,
    FEELGOOD,
    GRAPH_ROOT,
    GROUP_DEFAULT,
    MEGAN,
    RETAIL,
    SALES,
    USER_DEFAULT,
    bearer,
)

CREATE_GROUP_RESPONSE = {  # group-post-groups, example 1 response
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "onPremisesLastSyncDateTime",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "visibility",
    "onPremisesProvisioningErrors",
}
DELETED_GROUP_ITEM = {
    "id",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
    "visibility",
}


@pytest.fixture
async def api(raw_client: httpx.AsyncClient) -> httpx.AsyncClient:
    authorization = await bearer(raw_client)
    raw_client.headers.update(authorization)
    return raw_client


def keys(body: dict[str, Any]) -> set[str]:
    return set(names(body))


def names(body: dict[str, Any]) -> list[str]:
    """The property names in the order the response lists them."""
    return [k for k in body if not k.startswith("@odata.")]


async def test_create_invitation(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1.0/invitations",
        json={
            "invitedUserEmailAddress": "admin@fabrikam.com",
            "inviteRedirectUrl": "https://myapp.contoso.com",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#invitations/$entity")
    assert keys(body) == {
        "id",
        "inviteRedeemUrl",
        "invitedUserDisplayName",
        "invitedUserType",
        "invitedUserEmailAddress",
        "sendInvitationMessage",
        "resetRedemption",
        "inviteRedirectUrl",
        "status",
        "invitedUserMessageInfo",
        "invitedUser",
    }
    assert (body["invitedUserType"], body["status"], body["sendInvitationMessage"]) == (
        "Guest",
        "PendingAcceptance",
        False,
    )
    assert set(body["invitedUserMessageInfo"]) == {"messageLanguage", "customizedMessageBody", "ccRecipients"}
    assert body["inviteRedeemUrl"].startswith("https://login.microsoftonline.com/redeem?rd=")


async def test_create_group_example_1(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1.0/groups",
        json={
            "description": "Self help community for library",
            "displayName": "Library Assist",
            "groupTypes": ["Unified"],
            "mailEnabled": True,
            "mailNickname": "library",
            "securityEnabled": False,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert keys(body) >= CREATE_GROUP_RESPONSE
    assert body["proxyAddresses"] == [f"SMTP:{body['mail']}"]
    assert (body["visibility"], body["groupTypes"], body["deletedDateTime"]) == ("Public", ["Unified"], None)


async def test_create_group_with_owners_and_members_example_2(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1.0/groups",
        json={
            "description": "Group with designated owner and members",
            "displayName": "Operations group",
            "groupTypes": [],
            "mailEnabled": False,
            "mailNickname": "operations2019",
            "securityEnabled": True,
            "owners@odata.bind": [f"{GRAPH_ROOT}/users/{MEGAN}"],
            "members@odata.bind": [f"{GRAPH_ROOT}/users/{ADELE}", f"{GRAPH_ROOT}/users/{ALEX}"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#groups/$entity")
    assert (body["mail"], body["proxyAddresses"], body["visibility"], body["groupTypes"]) == (
        None,
        [],
        None,
        [],
    )
    assert body["securityIdentifier"].startswith("S-1-12-1-")


async def test_create_role_assignable_group_example_3(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1.0/groups",
        json={
            "description": "Group assignable to a role",
            "displayName": "Role assignable group",
            "groupTypes": ["Unified"],
            "isAssignableToRole": True,
            "mailEnabled": True,
            "securityEnabled": True,
            "mailNickname": "contosohelpdeskadministrators",
            "owners@odata.bind": [f"{GRAPH_ROOT}/users/{ADMIN}"],
            "members@odata.bind": [f"{GRAPH_ROOT}/users/{MEGAN}", f"{GRAPH_ROOT}/users/{ALEX}"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["isAssignableToRole"], body["visibility"]) == (True, "Private")


async def test_add_member_and_add_multiple_members(api: httpx.AsyncClient) -> None:
    single = await api.post(
        f"/v1.0/groups/{SALES}/members/$ref", json={"@odata.id": f"{GRAPH_ROOT}/directoryObjects/{MEGAN}"}
    )
    assert single.status_code == 204
    assert single.content == b""
    multiple = await api.patch(
        f"/v1.0/groups/{SALES}",
        json={
            "members@odata.bind": [
                f"{GRAPH_ROOT}/directoryObjects/{ADELE}",
                f"{GRAPH_ROOT}/directoryObjects/{ALEX}",
            ]
        },
    )
    assert multiple.status_code == 204
    members = (await api.get(f"/v1.0/groups/{SALES}/members")).json()["value"]
    assert {m["id"] for m in members} >= {MEGAN, ADELE, ALEX}
    assert {m["@odata.type"] for m in members} == {"#microsoft.graph.user"}


async def test_remove_member(api: httpx.AsyncClient) -> None:
    response = await api.delete(f"/v1.0/groups/{FEELGOOD}/members/{ALEX}/$ref")
    assert response.status_code == 204


async def test_list_and_get_users(api: httpx.AsyncClient) -> None:
    listed = await api.get("/v1.0/users")
    assert listed.status_code == 200
    body = listed.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#users")
    assert all(set(user) == USER_DEFAULT for user in body["value"])
    single = (await api.get(f"/v1.0/users/{MEGAN}")).json()
    assert keys(single) == USER_DEFAULT


async def test_get_user_with_select_example_3(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/v1.0/users/{MEGAN}?$select=displayName,givenName,postalCode,identities")
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith(
        "/v1.0/$metadata#users(displayName,givenName,postalCode,identities)/$entity"
    )
    # The emulator stores no postal code or identities: null and [] (user resource: String, collection).
    assert names(body) == ["displayName", "givenName", "postalCode", "identities"]
    assert (body["displayName"], body["postalCode"], body["identities"]) == ("Megan Bowen", None, [])


async def test_get_group_default_properties_example_1(api: httpx.AsyncClient) -> None:
    for response in (await api.get(f"/v1.0/groups/{FEELGOOD}"), await api.get("/v1.0/groups")):
        assert response.status_code == 200
        body = response.json()
        group = body["value"][0] if "value" in body else body
        assert names(group) == GROUP_DEFAULT
        on_premises = {k: v for k, v in group.items() if k.startswith("onPremises")}
        assert on_premises == {
            "onPremisesDomainName": None,
            "onPremisesLastSyncDateTime": None,
            "onPremisesNetBiosName": None,
            "onPremisesSamAccountName": None,
            "onPremisesSecurityIdentifier": None,
            "onPremisesSyncEnabled": None,
            "onPremisesProvisioningErrors": [],
        }
        assert (group["serviceProvisioningErrors"], group["classification"]) == ([], None)


async def test_get_group_with_select_example_2(api: httpx.AsyncClient) -> None:
    selected = "accessType,allowExternalSenders,autoSubscribeNewMembers,isSubscribedByMail,unseenCount"
    response = await api.get(f"/v1.0/groups/{FEELGOOD}?$select={selected}")
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith(f"/v1.0/$metadata#groups({selected})/$entity")
    # Mailbox settings the emulator doesn't keep: every selected property is there, as null.
    assert body == {"@odata.context": body["@odata.context"], **dict.fromkeys(selected.split(","))}


async def test_update_other_user_example_2(api: httpx.AsyncClient) -> None:
    response = await api.patch(
        f"/v1.0/users/{ADELE}", json={"businessPhones": ["+1 425 555 0109"], "officeLocation": "18/2111"}
    )
    assert response.status_code == 204
    user = (await api.get(f"/v1.0/users/{ADELE}")).json()
    assert (user["businessPhones"], user["officeLocation"]) == (["+1 425 555 0109"], "18/2111")


async def test_delete_user(api: httpx.AsyncClient) -> None:
    assert (await api.delete(f"/v1.0/users/{ALEX}")).status_code == 204


async def test_deleted_items_list_get_restore(api: httpx.AsyncClient) -> None:
    assert (await api.delete(f"/v1.0/groups/{RETAIL}")).status_code == 204
    listed = await api.get("/v1.0/directory/deletedItems/microsoft.graph.group")
    assert listed.status_code == 200
    assert listed.json()["@odata.context"].endswith("/v1.0/$metadata#groups")
    [item] = listed.json()["value"]
    assert set(item) >= DELETED_GROUP_ITEM
    fetched = await api.get(f"/v1.0/directory/deletedItems/{RETAIL}")
    assert fetched.status_code == 200
    assert fetched.json()["@odata.context"].endswith("/v1.0/$metadata#directoryObjects/$entity")
    assert set(fetched.json()) >= DELETED_GROUP_ITEM
    restored = await api.post(f"/v1.0/directory/deletedItems/{RETAIL}/restore")
    assert restored.status_code == 200
    body = restored.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#directoryObjects/$entity")
    assert body["@odata.type"] == "#microsoft.graph.group"
    assert set(body) >= DELETED_GROUP_ITEM


async def test_user_member_of_example_1(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/v1.0/users/{MEGAN}/memberOf")
    assert response.status_code == 200
    [group] = response.json()["value"]
    assert group["@odata.type"] == "#microsoft.graph.group"
    assert {"displayName", "mailEnabled", "securityEnabled"} <= set(group)


async def test_sponsors_examples(api: httpx.AsyncClient) -> None:
    added = await api.post(
        f"/v1.0/users/{ALEX}/sponsors/$ref", json={"@odata.id": f"{GRAPH_ROOT}/users/{MEGAN}"}
    )
    assert added.status_code == 204
    listed = await api.get(f"/v1.0/users/{ALEX}/sponsors")
    assert listed.status_code == 200
    [sponsor] = listed.json()["value"]
    assert (sponsor["@odata.type"], sponsor["id"]) == ("#microsoft.graph.user", MEGAN)
    assert (await api.delete(f"/v1.0/users/{ALEX}/sponsors/{MEGAN}/$ref")).status_code == 204


async def test_count_segment_without_consistency_level_is_the_documented_error(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/v1.0/users/$count")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("Request_BadRequest", "$count is not currently supported.")
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    counted = await api.get("/v1.0/users/$count", headers={"ConsistencyLevel": "eventual"})
    assert (counted.status_code, counted.text, counted.headers["content-type"]) == (
        200,
        "5",
        "text/plain; charset=utf-8",
    )


async def test_advanced_only_operator_error(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1.0/users?$filter=endsWith(userPrincipalName,'%23EXT%23@contoso.com')")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "Request_UnsupportedQuery"
    assert error["message"] == (
        "Operator 'endsWith' is not supported because the required parameters might be missing. "
        "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
        "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
    )


async def test_search_without_consistency_level_error(api: httpx.AsyncClient) -> None:
    response = await api.get('/v1.0/users?$search="displayName:Megan"')
    assert response.status_code == 400
    assert response.json()["error"] == {
        **response.json()["error"],
        "code": "Request_UnsupportedQuery",
        "message": "Request with $search query parameter only works through MSGraph with a special request "
        "header: 'ConsistencyLevel: eventual'",
    }


async def test_list_unified_groups(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1.0/groups?$filter=groupTypes/any(c:c+eq+'Unified')")
    assert response.status_code == 200
    assert all("Unified" in g["groupTypes"] for g in response.json()["value"])
    assert len(response.json()["value"]) == 4
