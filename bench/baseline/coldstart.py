"""``python -m bench.baseline.coldstart``: a typical script, from import to its first onboarded guest.

``from msgraph import GraphServiceClient``, the typed models it needs, then one guest: a typed
``invitations.post`` and a typed ``members.ref.post``. The emulator's URL and the guest come from
the parent in ``BENCH_EMULATOR`` and ``BENCH_GUEST`` (JSON: email, displayName, groups).

Prints one JSON line: import and first-request seconds, a status, peak RSS, modules.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before any import this process measures


def main() -> None:
    import asyncio
    import json
    import os
    import sys

    from msgraph import GraphServiceClient  # type: ignore[attr-defined]  # as scripts write it
    from msgraph.generated.models.invitation import Invitation
    from msgraph.generated.models.reference_create import ReferenceCreate

    from bench.baseline.client import graph_client
    from bench.emulator import Endpoint
    from bench.workload import REDIRECT_URL

    imported = time.perf_counter()
    guest = json.loads(os.environ["BENCH_GUEST"])

    async def onboard(graph: GraphServiceClient) -> int:
        invitation = await graph.invitations.post(
            Invitation(
                invited_user_email_address=guest["email"],
                invited_user_display_name=guest["displayName"],
                invite_redirect_url=REDIRECT_URL,
                send_invitation_message=False,
            )
        )
        assert invitation is not None
        assert invitation.invited_user is not None
        user_id = invitation.invited_user.id
        for group_id in guest["groups"]:
            reference = ReferenceCreate(
                odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}"
            )
            await graph.groups.by_group_id(group_id).members.ref.post(reference)
        return 201

    status = asyncio.run(onboard(graph_client(Endpoint(os.environ["BENCH_EMULATOR"]))))
    answered = time.perf_counter()
    from bench.rss import peak_rss_kb  # after the clock stopped

    print(
        json.dumps(
            {
                "import_s": imported - STARTED,
                "first_request_s": answered - imported,
                "status": status,
                "peak_rss_kb": peak_rss_kb(),
                "modules": len(sys.modules),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
