"""Step 4, the invitations: ``POST /invitations`` as paced ``$batch`` items; inviting an address that
already has a user returns that user, so a repeated request invites no one twice."""

from __future__ import annotations

import logging

from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.models.invitation import Invitation
from msgraph.generated.models.invited_user_message_info import InvitedUserMessageInfo
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import GraphFailure, GuestkeeperError
from shared.onboarding.candidate import Candidate
from shared.onboarding.gateway import DirectoryGateway
from shared.onboarding.models import GuestRequest
from shared.onboarding.settings import OnboardingSettings

log = logging.getLogger("guestkeeper.onboarding")


def invitation(graph: GraphServiceClient, guest: GuestRequest, redirect_url: str) -> RequestInformation:
    """``POST /invitations``; for an address that already has a user, Graph returns that user."""
    body = Invitation(
        invited_user_email_address=guest.email,
        invite_redirect_url=redirect_url,
        invited_user_display_name=guest.display_name,
        send_invitation_message=guest.invitation.send_email,
        invited_user_type="Guest",
    )
    if guest.invitation.message or guest.invitation.language:
        body.invited_user_message_info = InvitedUserMessageInfo(
            customized_message_body=guest.invitation.message,
            message_language=guest.invitation.language,
        )
    return graph.invitations.to_post_request_information(body)


async def invite(
    graph: GraphServiceClient,
    gateway: DirectoryGateway,
    settings: OnboardingSettings,
    guests: list[Candidate],
    errors: dict[int, GuestkeeperError],
) -> list[Candidate]:
    """The invitations, paced; a guest whose invitation failed keeps that failure in ``errors``."""
    if not guests:
        return guests
    calls = [
        (f"i{n}", invitation(graph, g.request, g.request.redirect_url or settings.redirect_url))
        for n, g in enumerate(guests)
    ]
    answers = await gateway.invite(graph, calls)
    for (key, _), guest in zip(calls, guests, strict=True):
        answer = answers[key]
        if isinstance(answer, GraphFailure):
            errors[guest.index] = answer
            log.warning("invitation failed: status=%s code=%s", answer.status, answer.code)
        else:
            guest.invited = answer
    return [g for g in guests if g.invited is not None]
