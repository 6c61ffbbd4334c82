"""Bulk onboarding as a typical script writes it: per guest, invite, then add to each group.

One request per item, sequential, typed models in and out, as in Microsoft's samples. "Already a
member" (400 "... already exist ...") counts as done, so a re-run completes instead of failing.
Throttled invitations are left to the SDK's ``RetryHandler`` (``Retry-After`` honoured).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from msgraph.generated.models.invitation import Invitation
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.graph_service_client import GraphServiceClient

from bench.baseline.client import graph_client
from bench.emulator import Endpoint
from bench.measure import Meter
from bench.workload import REDIRECT_URL, GuestSpec, guest_specs


async def onboard(graph: GraphServiceClient, guests: Sequence[GuestSpec]) -> dict[str, int]:
    invited = added = already = 0
    for guest in guests:
        invitation = await graph.invitations.post(
            Invitation(
                invited_user_email_address=guest.email,
                invited_user_display_name=guest.display_name,
                invite_redirect_url=REDIRECT_URL,
                send_invitation_message=False,
            )
        )
        assert invitation is not None
        assert invitation.invited_user is not None
        user_id = invitation.invited_user.id
        invited += 1
        for group_id in guest.groups:
            reference = ReferenceCreate(
                odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}"
            )
            try:
                await graph.groups.by_group_id(group_id).members.ref.post(reference)
                added += 1
            except ODataError as error:
                if error.error is None or "already exist" not in (error.error.message or ""):
                    raise
                already += 1
    return {"invited": invited, "membershipsAdded": added, "alreadyMember": already}


async def run(endpoint: Endpoint, params: dict[str, Any], meter: Meter) -> dict[str, Any]:
    graph = graph_client(endpoint)
    guests = guest_specs(params["guests"])
    with meter:
        return await onboard(graph, guests)
