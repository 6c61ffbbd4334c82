"""Invitations backend: B2B guest creation, re-invitation of existing users, redemption.

Inviting an address that already belongs to a live user (``mail``, ``otherMails`` or UPN,
case-insensitively) creates nothing and answers with that user's id. Graph doesn't document
the exact response; the emulator's choice is 201 with ``status`` ``Completed`` for
members and redeemed guests, ``PendingAcceptance`` for guests that haven't redeemed. Every call
issues a fresh redeem URL, as a docs maintainer describes for re-invitations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from ...clock import format_datetime
from ...directory import User
from ...errors import BadRequest, ResourceNotFound
from ...state import TenantState
from ..directory_objects.lookup import find_object, find_user
from .addresses import validate_email


def invalid(message: str) -> BadRequest:
    return BadRequest(message, code="BadRequest")


@dataclass
class Invitation:
    id: str
    user_id: str
    email: str
    display_name: str | None
    redirect_url: str
    user_type: str
    send_message: bool
    message_info: dict[str, Any]
    reset_redemption: bool
    status: str
    redeem_url: str


@dataclass
class InvitationStore:
    """Issued invitations by id (needed to simulate redemption through the control plane)."""

    invitations: dict[str, Invitation] = field(default_factory=dict)

    def dump(self) -> list[dict[str, str]]:
        return [{"id": i.id, "userId": i.user_id, "status": i.status} for i in self.invitations.values()]


def invitation_store(state: TenantState) -> InvitationStore:
    store = state.extensions.setdefault("invitations", InvitationStore())
    assert isinstance(store, InvitationStore)
    return store


def _optional(body: dict[str, Any], name: str, kind: type, default: Any) -> Any:
    value = body.get(name, default)
    if value is not None and not isinstance(value, kind):
        raise invalid(f"Invalid value specified for property '{name}'.")
    return default if value is None else value


def _message_info(body: dict[str, Any]) -> dict[str, Any]:
    info = _optional(body, "invitedUserMessageInfo", dict, {})
    cc = info.get("ccRecipients") or []
    if not isinstance(cc, list):
        raise invalid("Invalid value specified for property 'ccRecipients'.")
    return {
        "messageLanguage": info.get("messageLanguage"),
        "customizedMessageBody": info.get("customizedMessageBody"),
        "ccRecipients": cc or [{"emailAddress": {"name": None, "address": None}}],
    }


def _redirect_url(body: dict[str, Any]) -> str:
    value = body.get("inviteRedirectUrl")
    if not isinstance(value, str) or not value.strip():
        raise invalid("The inviteRedirectUrl property is required.")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("The inviteRedirectUrl property must be an absolute http or https URL.")
    return value


def _user_type(body: dict[str, Any]) -> str:
    value = _optional(body, "invitedUserType", str, "Guest")
    for allowed in ("Guest", "Member"):
        if value.casefold() == allowed.casefold():
            return allowed
    raise invalid("The invitedUserType property must be 'Guest' or 'Member'.")


class InvitationsBackend:
    def __init__(self, state: TenantState) -> None:
        self.state = state

    def create_invitation(self, body: dict[str, Any]) -> Invitation:
        email = body.get("invitedUserEmailAddress")
        if not isinstance(email, str) or not email.strip():
            raise invalid("The invitedUserEmailAddress property is required.")
        validate_email(email)
        redirect = _redirect_url(body)
        display_name = _optional(body, "invitedUserDisplayName", str, None)
        user_type = _user_type(body)
        send = _optional(body, "sendInvitationMessage", bool, False)
        reset = _optional(body, "resetRedemption", bool, False)
        info = _message_info(body)
        sponsors = self._sponsors(body)
        if reset:
            user, status = self._reset(body, email), "PendingAcceptance"
        elif (existing := self.find_by_address(email)) is not None:
            user, status = existing, self._status_of(existing)
        else:
            user, status = self._new_guest(email, display_name, user_type, sponsors), "PendingAcceptance"
        invitation_id = self.state.ids.new_id()
        invitation = Invitation(
            id=invitation_id,
            user_id=user.id,
            email=email,
            display_name=display_name,
            redirect_url=redirect,
            user_type=user_type,
            send_message=send,
            message_info=info,
            reset_redemption=reset,
            status=status,
            redeem_url=self._redeem_url(invitation_id),
        )
        invitation_store(self.state).invitations[invitation_id] = invitation
        if send:
            self._send(invitation)
        return invitation

    def find_by_address(self, address: str) -> User | None:
        """A live user whose mail, otherMails or UPN is this address (case-insensitive)."""
        wanted = address.casefold()
        for user in self.state.directory.live_users():
            addresses = [user.mail, user.user_principal_name, *user.other_mails]
            if any(a is not None and a.casefold() == wanted for a in addresses):
                return user
        return None

    def redeem_invitation(self, invitation_id: str) -> User:
        """What the guest's browser redemption does: the account becomes ``Accepted``."""
        invitation = invitation_store(self.state).invitations.get(invitation_id)
        if invitation is None:
            raise ResourceNotFound(invitation_id)
        user = find_user(self.state, invitation.user_id)
        if user.external_user_state is not None:
            user.external_user_state = "Accepted"
            user.external_user_state_change = self.state.clock.now()
        invitation.status = "Completed"
        return user

    def _sponsors(self, body: dict[str, Any]) -> list[str]:
        raw = _optional(body, "invitedUserSponsors", list, [])
        ids = [item.get("id") if isinstance(item, dict) else None for item in raw]
        if not all(isinstance(i, str) and i for i in ids):
            raise invalid("Each of invitedUserSponsors needs an id.")
        return [find_object(self.state, str(i)).id for i in ids]

    def _reset(self, body: dict[str, Any], email: str) -> User:
        invited = body.get("invitedUser")
        user_id = invited.get("id") if isinstance(invited, dict) else None
        if not isinstance(user_id, str) or not user_id:
            raise invalid("When resetRedemption is true, the invitedUser/id relationship is required.")
        user = find_user(self.state, user_id)
        user.mail = email
        user.external_user_state = "PendingAcceptance"
        user.external_user_state_change = self.state.clock.now()
        return user

    @staticmethod
    def _status_of(user: User) -> str:
        return "PendingAcceptance" if user.external_user_state == "PendingAcceptance" else "Completed"

    def _new_guest(self, email: str, display_name: str | None, user_type: str, sponsors: list[str]) -> User:
        now = self.state.clock.now()
        local = email.rsplit("@", 1)[0]
        user = User(
            id=self.state.ids.new_id(),
            display_name=display_name or local,
            user_principal_name=f"{email.replace('@', '_')}#EXT#@{self.state.domain}",
            mail=email,
            user_type=user_type,
            external_user_state="PendingAcceptance",
            external_user_state_change=now,
            creation_type="Invitation",
            created=now,
            sponsors=sponsors,
        )
        self.state.directory.users[user.id] = user
        self.state.faults.created(user.id)
        return user

    def _redeem_url(self, invitation_id: str) -> str:
        ticket = self.state.ids.token(16)
        inner = (
            f"https://invitations.microsoft.com/redeem/?tenant={self.state.tenant_id}"
            f"&user={invitation_id}&ticket={ticket}&ver=2.0"
        )
        return f"https://login.microsoftonline.com/redeem?rd={quote(inner, safe='')}"

    def _send(self, invitation: Invitation) -> None:
        """Record the e-mail Graph would send; ids only, no addresses (they are personal data)."""
        info = invitation.message_info
        self.state.outbox.append(
            {
                "invitationId": invitation.id,
                "invitedUserId": invitation.user_id,
                "inviteRedeemUrl": invitation.redeem_url,
                "messageLanguage": info["messageLanguage"],
                "customizedMessageBody": info["customizedMessageBody"],
                "ccRecipientCount": sum(
                    1 for r in info["ccRecipients"] if (r.get("emailAddress") or {}).get("address")
                ),
                "sentDateTime": format_datetime(self.state.clock.now()),
            }
        )
