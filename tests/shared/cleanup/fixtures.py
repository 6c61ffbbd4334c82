"""Finished review rounds on the emulator for the cleanup tests: guests, decisions, the clock, and
what the cleanup function is handed.

A round is the tutorial's quarterly guest review across all Microsoft 365 groups: created on its
start date (so it starts at once), decisions recorded through the emulator's control plane as a
group owner would, then the clock moved past the 14-day duration so the instance is Completed
(auto-apply off) or Applied (auto-apply on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import httpx
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState
from graph_emulator.directory import User
from shared.cleanup.deps import CleanupDeps
from shared.cleanup.settings import CleanupSettings
from shared.graph.batch import RetryPolicy
from shared.queue.message import CleanupMessage
from shared.state import StateStore
from tests.emulator.access_review_fixtures import add_guest, advance, guest_review

TODAY = date(2026, 1, 5)  # the emulator clock's start day (tests/conftest.py CLOCK_START)
FEELGOOD = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"
RETAIL = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"
SALES = "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e"
IT_OPERATIONS = "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f"  # a security group (not reviewed)
REAL = CleanupSettings()
NO_GUARD = CleanupSettings(max_denial_share=1.0)


def cleanup_deps(
    graph: GraphServiceClient,
    store: StateStore,
    settings: CleanupSettings = REAL,
    *,
    now: datetime,
    retry: RetryPolicy | None = None,
) -> CleanupDeps:
    """What the queue function is handed, with its clock stopped at ``now``."""
    return CleanupDeps(
        graph=graph,
        settings=settings,
        reviews=store.reviews,
        denials=store.denials,
        disabled=store.disabled,
        audit=store.audit,
        clock=lambda: now,
        retry=retry or RetryPolicy(),
    )


@dataclass
class Round:
    definition_id: str
    instances: dict[str, str]  # group id -> instance id

    def message(self, group_id: str) -> CleanupMessage:
        return CleanupMessage(self.definition_id, self.instances[group_id], group_id)


def guests(state: TenantState, count: int, groups: Sequence[str], name: str = "Guest") -> list[User]:
    return [add_guest(state, f"{name}{n}", groups=tuple(groups)) for n in range(count)]


async def start_round(graph: GraphServiceClient, raw: httpx.AsyncClient, *, auto_apply: bool) -> Round:
    created = await graph.identity_governance.access_reviews.definitions.post(
        guest_review(start=TODAY, duration_days=14, auto_apply=auto_apply)
    )
    assert created is not None
    assert created.id is not None
    listed = await raw.get("/_emulator/accessReviews/instances", params={"definitionId": created.id})
    return Round(created.id, {i["groupId"]: i["id"] for i in listed.json()["value"]})


async def decide(raw: httpx.AsyncClient, instance_id: str, decisions: Mapping[str, str]) -> None:
    for principal_id, decision in decisions.items():
        body = {"instanceId": instance_id, "principalId": principal_id, "decision": decision}
        response = await raw.post("/_emulator/accessReviews/decisions", json=body)
        assert response.status_code == 200, response.text


async def finished_round(
    graph: GraphServiceClient,
    raw: httpx.AsyncClient,
    decisions: Mapping[str, Mapping[str, str]],
    *,
    auto_apply: bool,
) -> Round:
    """Start a round, record ``{group: {guest: decision}}``, and end it (Completed or Applied)."""
    review = await start_round(graph, raw, auto_apply=auto_apply)
    for group_id, by_guest in decisions.items():
        await decide(raw, review.instances[group_id], by_guest)
    await advance(raw, "P15D")
    return review


async def all_denied_round(
    graph: GraphServiceClient, raw: httpx.AsyncClient, state: TenantState, count: int
) -> tuple[list[User], Round]:
    """``count`` new guests of Feelgood, every one denied, in a round that ended without auto-apply."""
    denied = guests(state, count, [FEELGOOD])
    review = await finished_round(graph, raw, {FEELGOOD: {g.id: "Deny" for g in denied}}, auto_apply=False)
    return denied, review


def member(state: TenantState, group_id: str, user: User) -> bool:
    group = state.directory.group(group_id)
    assert group is not None
    return user.id in group.members


def enabled(state: TenantState, user: User) -> bool:
    found = state.directory.users[user.id]
    return bool(found.account_enabled)
