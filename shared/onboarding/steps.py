"""Onboarding's Graph steps: target facts (3), invitations (4), membership and sponsor writes (5).

Split from ``shared.onboarding.onboard`` (which runs the steps and owns the state-table ones) so that each
module stays small; the numbering follows that module's docstring.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from msgraph.graph_service_client import GraphServiceClient

from shared.errors import (
    AlreadyMember,
    FieldError,
    GraphFailure,
    GuestkeeperError,
    NotFound,
    TargetNotEligible,
)
from shared.graph import requests
from shared.graph.batch import BatchResponse
from shared.onboarding.gateway import DirectoryGateway, GroupFacts, UserFacts
from shared.onboarding.models import (
    GroupOutcome,
    GuestRequest,
    Invited,
    MembershipStatus,
    OnboardingResult,
    SponsorOutcome,
    SponsorStatus,
)
from shared.onboarding.settings import OnboardingSettings
from shared.state import Denial

log = logging.getLogger("guestkeeper.onboarding")


@dataclass
class Candidate:
    """A guest still in the running, and what the steps so far learnt about it."""

    index: int
    request: GuestRequest
    prefix: str
    key: str
    overridden: Denial | None = None
    invited: Invited | None = None


async def check_targets(
    graph: GraphServiceClient,
    gateway: DirectoryGateway,
    guests: list[Candidate],
    errors: dict[int, GuestkeeperError],
) -> list[Candidate]:
    """Step 3: every group exists, is Unified and not role-assignable; the sponsor is internal."""
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


async def invite(
    graph: GraphServiceClient,
    gateway: DirectoryGateway,
    settings: OnboardingSettings,
    guests: list[Candidate],
    errors: dict[int, GuestkeeperError],
) -> list[Candidate]:
    """Step 4: the invitations, paced; a guest whose invitation failed keeps that failure."""
    if not guests:
        return guests
    calls = [
        (f"i{n}", requests.invitation(graph, g.request, g.request.redirect_url or settings.redirect_url))
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


async def write(
    graph: GraphServiceClient, gateway: DirectoryGateway, guests: list[Candidate]
) -> list[tuple[Candidate, OnboardingResult, list[GraphFailure]]]:
    """Step 5: memberships and sponsors in one round of batches (retrying 404s of the new guest)."""
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
