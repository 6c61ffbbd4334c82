"""Step 3, the memberships: the guest leaves every managed group it is in, and no other.

Managed groups are onboarding's allowlist. One ``DELETE /groups/{id}/members/{id}/$ref`` per group
the guest's ``getMemberGroups`` listed, 20 to a ``$batch``; 404 (gone meanwhile) is ``notMember``.
A dry run sends nothing and answers with what would be removed.
"""

from __future__ import annotations

from collections.abc import Collection

from msgraph.graph_service_client import GraphServiceClient

from shared.errors import GuestkeeperError
from shared.graph.batch import BatchRequest, RetryPolicy, send_batch
from shared.graph.requests import remove_member
from shared.offboarding.leaver import Leaver
from shared.offboarding.models import GroupStatus


def plan(managed: Collection[str], leavers: list[Leaver]) -> None:
    """Each managed group: ``removed`` where the guest is a member (to remove), else ``notMember``."""
    for leaver in leavers:
        assert leaver.facts is not None
        leaver.groups = {
            g: GroupStatus.REMOVED if leaver.facts.in_group(g) else GroupStatus.NOT_MEMBER
            for g in sorted(managed)
        }


async def remove(
    graph: GraphServiceClient, retry: RetryPolicy, leavers: list[Leaver], errors: dict[int, GuestkeeperError]
) -> None:
    """Remove the planned memberships; a failed removal fails its guest (the retry completes it)."""
    calls = [(leaver, g) for leaver in leavers for g, s in leaver.groups.items() if s is GroupStatus.REMOVED]
    requests = [
        BatchRequest(f"r{n}", remove_member(graph, g, leaver.guest_id)) for n, (leaver, g) in enumerate(calls)
    ]
    answers = await send_batch(graph, requests, policy=retry) if requests else {}
    for n, (leaver, group_id) in enumerate(calls):
        answer = answers[f"r{n}"]
        if answer.status == 404:
            leaver.groups[group_id] = GroupStatus.NOT_MEMBER
        elif not answer.ok:
            del leaver.groups[group_id]  # not removed: the guest fails, and the sender's retry removes it
            errors.setdefault(leaver.index, answer.failure())
