"""Step 5, memberships and sponsor: ``$batch`` reference writes for the guests just invited.

"Already exist" counts as done, and a 404 for a guest just invited is retried with bounded backoff
(replication delay); each guest's result says what happened to each group and its sponsor.
"""

from __future__ import annotations

from msgraph.graph_service_client import GraphServiceClient

from shared.errors import AlreadyMember, GraphFailure, NotFound
from shared.graph import requests
from shared.graph.batch import BatchResponse
from shared.onboarding.candidate import Candidate
from shared.onboarding.gateway import DirectoryGateway
from shared.onboarding.models import (
    GroupOutcome,
    MembershipStatus,
    OnboardingResult,
    SponsorOutcome,
    SponsorStatus,
)


async def write(
    graph: GraphServiceClient, gateway: DirectoryGateway, guests: list[Candidate]
) -> list[tuple[Candidate, OnboardingResult, list[GraphFailure]]]:
    """Memberships and sponsors in one round of batches; each guest with its result and failures."""
    calls = []
    for n, guest in enumerate(guests):
        assert guest.invited is not None
        user_id = guest.invited.user_id
        calls += [
            (f"m{n}-{i}", requests.add_member(graph, g, user_id)) for i, g in enumerate(guest.request.groups)
        ]
        if guest.request.sponsor:
            calls.append((f"s{n}", requests.add_sponsor(graph, user_id, guest.request.sponsor)))
    answers = await gateway.write(graph, calls) if calls else {}
    return [(guest, *_outcome(guest, n, answers, gateway)) for n, guest in enumerate(guests)]


def _outcome(
    guest: Candidate, n: int, answers: dict[str, BatchResponse], gateway: DirectoryGateway
) -> tuple[OnboardingResult, list[GraphFailure]]:
    """The guest's result from its write answers, and the failures that make it incomplete."""
    assert guest.invited is not None
    groups, failures = [], []
    for i, group_id in enumerate(guest.request.groups):
        status, error = _reference_status(answers[f"m{n}-{i}"])
        if error is not None:
            failures.append(error)
            if isinstance(error, NotFound):
                gateway.forget_group(group_id)  # it may be gone: the next request looks again
        groups.append(GroupOutcome(group_id, MembershipStatus(status), error.code if error else None))
    sponsor = None
    if guest.request.sponsor:
        status, error = _reference_status(answers[f"s{n}"])
        failures += [error] if error is not None else []
        status = "alreadySponsor" if status == "alreadyMember" else status
        sponsor = SponsorOutcome(guest.request.sponsor, SponsorStatus(status), error.code if error else None)
    result = OnboardingResult(
        created=False,
        invited=guest.invited,
        groups=tuple(groups),
        sponsor=sponsor,
        external_ref=guest.request.external_ref,
        override_recorded=guest.overridden is not None,
    )
    return result, failures


def _reference_status(response: BatchResponse) -> tuple[str, GraphFailure | None]:
    if response.ok:
        return "added", None
    failure = response.failure()
    if isinstance(failure, AlreadyMember):
        return "alreadyMember", None
    return "failed", failure
