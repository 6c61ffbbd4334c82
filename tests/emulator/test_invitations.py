"""Invitations through the real SDK: guest creation, re-invitation, validation, outbox, throttling."""

from __future__ import annotations

import json

import httpx
import pytest
from kiota_abstractions.api_error import APIError
from msgraph.generated.models.directory_object import DirectoryObject
from msgraph.generated.models.invited_user_message_info import InvitedUserMessageInfo
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

from .directory_helpers import (
    FEELGOOD,
    MEGAN,
    MISSING,
    bearer,
    config,
    invite,
    invite_id,
    not_found,
    odata_error,
    ref,
    user_id,
)

GUEST_FIELDS = [
    "id",
    "userType",
    "userPrincipalName",
    "externalUserState",
    "creationType",
    "mail",
    "displayName",
]


async def get_guest(graph, user_id: str) -> User:
    query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=GUEST_FIELDS)
    return await graph.users.by_user_id(user_id).get(request_configuration=config(query))


async def test_invitation_creates_a_pending_guest(graph) -> None:
    invitation = await invite(graph, "Admin@Fabrikam.example", invited_user_display_name="Fabrikam Admin")
    assert invitation.status == "PendingAcceptance"
    assert invitation.invited_user_type == "Guest"
    assert invitation.invited_user_email_address == "Admin@Fabrikam.example"
    assert invitation.invite_redirect_url == "https://myapp.contoso.com"
    assert invitation.send_invitation_message is False
    assert invitation.reset_redemption is False
    redeem_url = invitation.invite_redeem_url or ""
    assert redeem_url.startswith("https://login.microsoftonline.com/redeem?rd=")
    assert str(invitation.id) in redeem_url
    guest = await get_guest(graph, user_id(invitation))
    assert guest.user_type == "Guest"
    assert guest.user_principal_name == "Admin_Fabrikam.example#EXT#@contoso.onmicrosoft.com"
    assert guest.external_user_state == "PendingAcceptance"
    assert guest.creation_type == "Invitation"
    assert guest.mail == "Admin@Fabrikam.example"
    assert guest.display_name == "Fabrikam Admin"


async def test_response_is_201_with_the_documented_body(raw_client: httpx.AsyncClient) -> None:
    authorization = await bearer(raw_client, ["User.Invite.All"])
    response = await raw_client.post(
        "/v1.0/invitations",
        headers=authorization,
        json={
            "invitedUserEmailAddress": "admin@fabrikam.example",
            "inviteRedirectUrl": "https://myapp.contoso.com",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["@odata.context"] == "http://127.0.0.1/v1.0/$metadata#invitations/$entity"
    assert body["invitedUserDisplayName"] is None
    assert body["invitedUserMessageInfo"] == {
        "messageLanguage": None,
        "customizedMessageBody": None,
        "ccRecipients": [{"emailAddress": {"name": None, "address": None}}],
    }
    assert set(body["invitedUser"]) == {"id"}


async def test_send_invitation_message_fills_the_outbox_without_addresses(
    graph, raw_client: httpx.AsyncClient
) -> None:
    await invite(graph, "quiet@fabrikam.example")
    assert (await raw_client.get("/_emulator/outbox")).json() == {"value": []}
    info = InvitedUserMessageInfo(message_language="de-DE", customized_message_body="Willkommen")
    invitation = await invite(
        graph, "loud@fabrikam.example", send_invitation_message=True, invited_user_message_info=info
    )
    outbox = (await raw_client.get("/_emulator/outbox")).json()["value"]
    assert len(outbox) == 1
    assert outbox[0]["invitationId"] == invitation.id
    assert outbox[0]["invitedUserId"] == user_id(invitation)
    assert outbox[0]["inviteRedeemUrl"] == invitation.invite_redeem_url
    assert outbox[0]["messageLanguage"] == "de-DE"
    assert "fabrikam.example" not in json.dumps(outbox)


async def test_reinviting_an_existing_guest_returns_the_same_user(
    graph, raw_client: httpx.AsyncClient
) -> None:
    first = await invite(graph, "repeat@fabrikam.example")
    again = await invite(graph, "REPEAT@fabrikam.example")
    assert user_id(again) == user_id(first)
    assert again.status == "PendingAcceptance"
    assert again.invite_redeem_url != first.invite_redeem_url
    await raw_client.post(f"/_emulator/invitations/{first.id}/redeem")
    redeemed = await invite(graph, "repeat@fabrikam.example")
    assert user_id(redeemed) == user_id(first)
    assert redeemed.status == "Completed"
    guests = await graph.users.get()
    assert sum(1 for u in guests.value if u.mail and u.mail.lower() == "repeat@fabrikam.example") == 1


async def test_inviting_a_members_address_returns_the_member(graph) -> None:
    invitation = await invite(graph, "meganb@contoso.onmicrosoft.com")
    assert user_id(invitation) == MEGAN
    assert invitation.status == "Completed"


async def test_other_mails_match_an_existing_user(graph) -> None:
    await graph.users.by_user_id(MEGAN).patch(User(other_mails=["megan@personal.example"]))
    invitation = await invite(graph, "Megan@Personal.example")
    assert user_id(invitation) == MEGAN


async def test_redeem_marks_the_guest_accepted(graph, raw_client: httpx.AsyncClient) -> None:
    invitation = await invite(graph, "redeem@fabrikam.example")
    response = await raw_client.post(f"/_emulator/invitations/{invitation.id}/redeem")
    assert response.status_code == 200
    guest = await get_guest(graph, user_id(invitation))
    assert guest.external_user_state == "Accepted"
    unknown = await raw_client.post(f"/_emulator/invitations/{MISSING}/redeem")
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"inviteRedirectUrl": "https://myapp.contoso.com"},
            "The invitedUserEmailAddress property is required.",
        ),
        ({"invitedUserEmailAddress": "a@fabrikam.example"}, "The inviteRedirectUrl property is required."),
        (
            {"invitedUserEmailAddress": "a@fabrikam.example", "inviteRedirectUrl": "/relative"},
            "The inviteRedirectUrl property must be an absolute http or https URL.",
        ),
        (
            {
                "invitedUserEmailAddress": "a@fabrikam.example",
                "inviteRedirectUrl": "https://myapp.contoso.com",
                "invitedUserType": "Owner",
            },
            "The invitedUserType property must be 'Guest' or 'Member'.",
        ),
        (
            {
                "invitedUserEmailAddress": "a@fabrikam.example",
                "inviteRedirectUrl": "https://myapp.contoso.com",
                "resetRedemption": True,
            },
            "When resetRedemption is true, the invitedUser/id relationship is required.",
        ),
    ],
)
async def test_required_fields_are_validated(raw_client: httpx.AsyncClient, body, message) -> None:
    authorization = await bearer(raw_client)
    response = await raw_client.post("/v1.0/invitations", headers=authorization, json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("BadRequest", message)


@pytest.mark.parametrize(
    "address",
    [
        "no-at-sign.example",
        "pat!@fabrikam.example",
        "pat#x@fabrikam.example",
        "pat+tag@fabrikam.example",
        'pat"q@fabrikam.example',
        "pat,x@fabrikam.example",
        ".pat@fabrikam.example",
        "pat-@fabrikam.example",
        "pat @fabrikam.example",
        "pat@localhost",
        "pat@fabrikam..example",
    ],
)
async def test_forbidden_characters_in_the_address_are_refused(graph, address: str) -> None:
    with pytest.raises(ODataError) as caught:
        await invite(graph, address)
    assert odata_error(caught) == (
        400,
        "BadRequest",
        "The invitedUserEmailAddress property is not a valid e-mail address.",
    )


@pytest.mark.parametrize(
    "address", ["o'brien@fabrikam.example", "_pat_@fabrikam.example", "p.a-t@fab-rikam.example"]
)
async def test_permitted_characters_are_accepted(graph, address: str) -> None:
    invitation = await invite(graph, address)
    assert invitation.status == "PendingAcceptance"


async def test_member_type_and_sponsors(graph) -> None:
    sponsor = DirectoryObject(id=MEGAN)
    invitation = await invite(
        graph, "partner@fabrikam.example", invited_user_type="Member", invited_user_sponsors=[sponsor]
    )
    assert invitation.invited_user_type == "Member"
    guest = await get_guest(graph, user_id(invitation))
    assert guest.user_type == "Member"
    sponsors = await graph.users.by_user_id(user_id(invitation)).sponsors.get()
    assert [s.id for s in sponsors.value] == [MEGAN]
    with pytest.raises(ODataError) as caught:
        await invite(graph, "other@fabrikam.example", invited_user_sponsors=[DirectoryObject(id=MISSING)])
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(MISSING))


async def test_reset_redemption_keeps_the_user(graph, raw_client: httpx.AsyncClient) -> None:
    first = await invite(graph, "moved@fabrikam.example")
    await raw_client.post(f"/_emulator/invitations/{first.id}/redeem")
    reset = await invite(
        graph, "moved@newdomain.example", reset_redemption=True, invited_user=User(id=user_id(first))
    )
    assert user_id(reset) == user_id(first)
    guest = await get_guest(graph, user_id(first))
    assert guest.external_user_state == "PendingAcceptance"
    assert guest.mail == "moved@newdomain.example"


async def test_invitation_throttle_answers_429_with_retry_after(graph, raw_client: httpx.AsyncClient) -> None:
    settings = {"invitation_throttling": True, "invitation_limit": 2, "invitation_window_s": 60}
    assert (await raw_client.put("/_emulator/faults", json=settings)).status_code == 200
    await invite(graph, "one@fabrikam.example")
    await invite(graph, "two@fabrikam.example")
    with pytest.raises(APIError) as caught:
        await invite(graph, "three@fabrikam.example")
    assert caught.value.response_status_code == 429
    assert caught.value.response_headers is not None
    assert int(caught.value.response_headers["retry-after"]) >= 1
    assert isinstance(caught.value, ODataError)
    assert caught.value.error is not None
    assert caught.value.error.code == "TooManyRequests"


async def test_new_guest_is_not_found_until_replicated(graph, raw_client: httpx.AsyncClient) -> None:
    await raw_client.put("/_emulator/faults", json={"replication_delay_s": 60})
    guest_id = await invite_id(graph, "fresh@fabrikam.example")
    with pytest.raises(ODataError) as caught:
        await graph.users.by_user_id(guest_id).get()
    assert odata_error(caught) == (404, "Request_ResourceNotFound", not_found(guest_id))
    with pytest.raises(ODataError) as member:
        await graph.groups.by_group_id(FEELGOOD).members.ref.post(ref(guest_id))
    assert odata_error(member) == (404, "Request_ResourceNotFound", not_found(guest_id))
    await raw_client.put("/_emulator/faults", json={})  # replication done: reads see it again
    assert (await graph.users.by_user_id(guest_id).get()).id == guest_id
