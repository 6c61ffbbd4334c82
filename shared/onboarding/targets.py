"""Step 3, the targets: every group exists, is Unified and not role-assignable; the sponsor is an
enabled internal user. Batched GETs, answered from the worker's cache for groups seen before."""

from __future__ import annotations

from msgraph.graph_service_client import GraphServiceClient

from shared.errors import FieldError, GraphFailure, GuestkeeperError, TargetNotEligible
from shared.onboarding.candidate import Candidate
from shared.onboarding.gateway import DirectoryGateway, GroupFacts, UserFacts


async def check_targets(
    graph: GraphServiceClient,
    gateway: DirectoryGateway,
    guests: list[Candidate],
    errors: dict[int, GuestkeeperError],
) -> list[Candidate]:
    """The candidates whose targets are eligible; the others get their refusal in ``errors``."""
    if not guests:
        return guests
    group_ids = [g for guest in guests for g in guest.request.groups]
    sponsor_ids = [guest.request.sponsor for guest in guests if guest.request.sponsor]
    try:
        groups, users = await gateway.facts(graph, group_ids, sponsor_ids)
    except GraphFailure as failure:
        for guest in guests:
            errors[guest.index] = failure
        return []
    for guest in guests:
        refusal = _target_refusal(guest, groups, users)
        if refusal is not None:
            errors[guest.index] = refusal
    return [g for g in guests if g.index not in errors]


def _target_refusal(
    guest: Candidate, groups: dict[str, GroupFacts | None], users: dict[str, UserFacts | None]
) -> TargetNotEligible | None:
    bad = []
    for i, group_id in enumerate(guest.request.groups):
        facts = groups.get(group_id)
        problem = "does not exist" if facts is None else facts.problem
        if problem:
            bad.append(FieldError(f"{guest.prefix}groups[{i}]", problem))
    if bad:
        return TargetNotEligible(
            "Guests join only Microsoft 365 groups that the guest review covers.", errors=bad
        )
    sponsor = guest.request.sponsor
    if sponsor is not None:
        facts_ = users.get(sponsor)
        problem = "does not exist" if facts_ is None else facts_.problem
        if problem:
            return TargetNotEligible(
                "A sponsor must be an enabled internal user.",
                slug="sponsor-not-eligible",
                title="The sponsor cannot sponsor guests",
                errors=[FieldError(f"{guest.prefix}sponsor", problem)],
            )
    return None
