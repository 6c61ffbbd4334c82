"""Users through the real SDK: get by id/UPN, filters, paging, $count, update, soft delete, memberOf."""

from __future__ import annotations

import httpx
import pytest
from msgraph.generated.directory.deleted_items.graph_user.graph_user_request_builder import (
    GraphUserRequestBuilder as DeletedUsersBuilder,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

from .directory_helpers import (
    ADELE,
    ALEX,
    FEELGOOD,
    MEGAN,
    MISSING,
    RETAIL,
    USER_DEFAULT,
    UsersQuery,
    bearer,
    collect,
    config,
    invite,
    invite_id,
    list_users,
    not_found,
    odata_error,
    user_id,
)


async def test_get_by_id_returns_the_default_property_set(raw_client: httpx.AsyncClient, graph) -> None:
    user = await graph.users.by_user_id(MEGAN).get()
    assert user.display_name == "Megan Bowen"
    assert user.user_principal_name == "MeganB@contoso.onmicrosoft.com"
    authorization = await bearer(raw_client)
    body = (await raw_client.get(f"/v1.0/users/{MEGAN}", headers=authorization)).json()
    assert set(body) - {"@odata.context"} == USER_DEFAULT
    assert body["@odata.context"] == "http://127.0.0.1/v1.0/$metadata#users/$entity"


async def test_guest_is_found_by_upn_with_ext_marker(graph) -> None:
    guest_id = await invite_id(graph, "pat@fabrikam.example")
    upn = "pat_fabrikam.example#EXT#@contoso.onmicrosoft.com"
    user = await graph.users.by_user_id(upn).get()  # the SDK sends '#' as %23
    assert user.id == guest_id


async def test_external_user_state_only_on_select(graph) -> None:
    guest_id = await invite_id(graph, "lee@fabrikam.example")
    plain = await graph.users.by_user_id(guest_id).get()
    assert plain.external_user_state is None
    assert plain.user_type is None  # not a default property either
    select = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
        select=["id", "userType", "externalUserState", "externalUserStateChangeDateTime"]
    )
    chosen = await graph.users.by_user_id(guest_id).get(request_configuration=config(select))
    assert chosen.external_user_state == "PendingAcceptance"
    assert chosen.external_user_state_change_date_time is not None
    assert chosen.user_type == "Guest"
    assert chosen.display_name is None


async def test_unknown_user_is_404_with_graph_message(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await graph.users.by_user_id(MISSING).get()
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(MISSING))


async def test_filter_mail_with_doubled_quote(graph) -> None:
    guest_id = await invite_id(graph, "o'brien@fabrikam.example")
    found = await list_users(graph, filter="mail eq 'O''Brien@Fabrikam.example'", select=["id", "mail"])
    assert [u.id for u in found] == [guest_id]
    assert found[0].mail == "o'brien@fabrikam.example"


async def test_filter_guests_pending_acceptance_with_and(graph, raw_client: httpx.AsyncClient) -> None:
    pending = await invite_id(graph, "first@fabrikam.example")
    redeemed_invitation = await invite(graph, "second@fabrikam.example")
    redeemed = user_id(redeemed_invitation)
    response = await raw_client.post(f"/_emulator/invitations/{redeemed_invitation.id}/redeem")
    assert response.json() == {"userId": redeemed, "externalUserState": "Accepted"}
    found = await list_users(graph, filter="userType eq 'Guest' and externalUserState eq 'PendingAcceptance'")
    assert [u.id for u in found] == [pending]
    either = await list_users(
        graph, filter="externalUserState eq 'Accepted' or startswith(displayName,'Adele')"
    )
    assert {u.id for u in either} == {redeemed, ADELE}


async def test_filter_other_mails_any(graph) -> None:
    await graph.users.by_user_id(ALEX).patch(User(other_mails=["alex.w@personal.example"]))
    found = await list_users(graph, filter="otherMails/any(m:m eq 'Alex.W@personal.example')")
    assert [u.id for u in found] == [ALEX]
    assert await list_users(graph, filter="otherMails/any(m:m eq 'nobody@personal.example')") == []


async def test_startswith_filter(graph) -> None:
    found = await list_users(graph, filter="startswith(displayName,'ad')", select=["id"])
    assert {u.id for u in found} == {ADELE}


async def test_paging_with_absolute_next_link(graph) -> None:
    for n in range(4):
        await invite_id(graph, f"page{n}@fabrikam.example")
    first = await graph.users.get(request_configuration=config(UsersQuery(top=3, select=["id"])))
    next_link = first.odata_next_link or ""
    assert next_link.startswith("http://127.0.0.1/v1.0/users?")
    assert "$skiptoken=" in next_link
    everyone = await collect(graph, first)
    assert len(everyone) == 9
    assert len({u.id for u in everyone}) == 9


async def test_top_above_999_is_refused(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await list_users(graph, top=1000)
    assert odata_error(caught) == (
        400,
        "Request_UnsupportedQuery",
        "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
    )


async def test_count_needs_consistency_level(graph) -> None:
    query = UsersQuery(count=True, top=2)
    with_header = await graph.users.get(request_configuration=config(query, eventual=True))
    assert with_header.odata_count == 5
    assert len(with_header.value) == 2
    without = await graph.users.get(request_configuration=config(UsersQuery(count=True)))
    assert without.odata_count is None  # silently ignored, as documented


async def test_count_segment_is_refused_without_eventual(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await graph.users.count.get()
    assert odata_error(caught) == (400, "Request_BadRequest", "$count is not currently supported.")
    assert await graph.users.count.get(request_configuration=config(eventual=True)) == 5


async def test_endswith_needs_advanced_query(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await list_users(graph, filter="endswith(mail,'@contoso.onmicrosoft.com')")
    status, code, message = odata_error(caught)
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert (message or "").startswith("Operator 'endsWith' is not supported because the required parameters")
    found = await list_users(
        graph, eventual=True, count=True, filter="endswith(mail,'@contoso.onmicrosoft.com')"
    )
    assert len(found) == 5


async def test_unknown_select_property_is_refused(graph) -> None:
    # Graph's answer, as reported in msgraph-sdk-powershell#2103 and msgraph-sdk-dotnet#1181.
    with pytest.raises(ODataError) as caught:
        await list_users(graph, select=["id", "shoeSize"])
    assert odata_error(caught) == (
        400,
        "BadRequest",
        "Parsing OData Select and Expand failed: "
        "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
    )


async def test_patch_account_enabled(graph) -> None:
    await graph.users.by_user_id(ALEX).patch(User(account_enabled=False))
    select = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=["accountEnabled"])
    user = await graph.users.by_user_id(ALEX).get(request_configuration=config(select))
    assert user.account_enabled is False


async def test_patch_rejects_bad_values_and_read_only_properties(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await graph.users.by_user_id(ALEX).patch(User(display_name=""))
    assert odata_error(caught) == (
        400,
        "Request_BadRequest",
        "Invalid value specified for property 'displayName' of resource 'User'.",
    )
    with pytest.raises(ODataError) as read_only:
        await graph.users.by_user_id(ALEX).patch(User(creation_type="Invitation"))
    assert odata_error(read_only)[2] == "Property 'creationType' is read-only and cannot be set."
    user = await graph.users.by_user_id(ALEX).get()
    assert user.display_name == "Alex Wilber"


async def test_delete_moves_user_to_deleted_items_and_restore_brings_memberships_back(graph) -> None:
    await graph.users.by_user_id(ALEX).delete()
    with pytest.raises(ODataError) as caught:
        await graph.users.by_user_id(ALEX).get()
    assert caught.value.response_status_code == 404
    feelgood = await graph.groups.by_group_id(FEELGOOD).members.get()
    assert ALEX not in {m.id for m in feelgood.value}

    deleted = await graph.directory.deleted_items.graph_user.get(
        request_configuration=config(
            DeletedUsersBuilder.GraphUserRequestBuilderGetQueryParameters(count=True), eventual=True
        )
    )
    assert [u.id for u in deleted.value] == [ALEX]
    assert deleted.odata_count == 1
    assert deleted.value[0].deleted_date_time is not None
    item = await graph.directory.deleted_items.by_directory_object_id(ALEX).get()
    assert item.odata_type == "#microsoft.graph.user"

    restored = await graph.directory.deleted_items.by_directory_object_id(ALEX).restore.post()
    assert restored.id == ALEX
    assert (await graph.users.by_user_id(ALEX).get()).display_name == "Alex Wilber"
    feelgood = await graph.groups.by_group_id(FEELGOOD).members.get()
    assert ALEX in {m.id for m in feelgood.value}
    assert (await graph.directory.deleted_items.graph_user.get()).value == []


async def test_restore_refused_while_upn_is_taken(graph) -> None:
    first = await invite_id(graph, "dup@fabrikam.example")
    await graph.users.by_user_id(first).delete()
    second = await invite_id(graph, "dup@fabrikam.example")
    assert second != first
    with pytest.raises(ODataError) as caught:
        await graph.directory.deleted_items.by_directory_object_id(first).restore.post()
    assert odata_error(caught) == (
        400,
        "Request_BadRequest",
        "Another object with the same value for property userPrincipalName already exists.",
    )


async def test_permanent_delete_ends_restorability(graph) -> None:
    await graph.users.by_user_id(ADELE).delete()
    await graph.directory.deleted_items.by_directory_object_id(ADELE).delete()
    with pytest.raises(ODataError) as caught:
        await graph.directory.deleted_items.by_directory_object_id(ADELE).restore.post()
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(ADELE))
    retail = await graph.groups.by_group_id(RETAIL).members.get()
    assert retail.value == []
