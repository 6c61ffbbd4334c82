"""HTTP for ``POST /invitations`` and the control-plane helpers (outbox, simulated redemption)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...auth import require
from ...http import context, json_response, read_json, tenant
from ..directory_objects import permissions as perms
from .models import Invitation, InvitationsBackend


def invitation_json(invitation: Invitation) -> dict[str, Any]:
    """The documented response shape of Create invitation (invitation-post, example response)."""
    return {
        "id": invitation.id,
        "inviteRedeemUrl": invitation.redeem_url,
        "invitedUserDisplayName": invitation.display_name,
        "invitedUserType": invitation.user_type,
        "invitedUserEmailAddress": invitation.email,
        "sendInvitationMessage": invitation.send_message,
        "resetRedemption": invitation.reset_redemption,
        "inviteRedirectUrl": invitation.redirect_url,
        "status": invitation.status,
        "invitedUserMessageInfo": invitation.message_info,
        "invitedUser": {"id": invitation.user_id},
    }


async def create_invitation(request: Request) -> Response:
    """``POST /invitations``: 201 with the invitation; counts against the invitation throttle."""
    require(request, *perms.INVITE)
    invitation = InvitationsBackend(tenant(request)).create_invitation(await read_json(request))
    body = {"@odata.context": context(request, "invitations/$entity"), **invitation_json(invitation)}
    return json_response(body, status=201)


async def outbox(request: Request) -> Response:
    """``GET /_emulator/outbox``: invitation e-mails Graph would have sent (ids, no addresses)."""
    return json_response({"value": tenant(request).outbox})


async def redeem(request: Request) -> Response:
    """``POST /_emulator/invitations/{id}/redeem``: the guest accepts in the browser."""
    backend = InvitationsBackend(tenant(request))
    user = backend.redeem_invitation(request.path_params["invitation_id"])
    return json_response({"userId": user.id, "externalUserState": user.external_user_state})
