"""A two-stage round (sponsors, then owners) end to end: the governance pass creates the review and
hands the finished round to the queue, cleanup acts on it. Only the final stage's decision counts:
cleanup reads the instance's decisions, which "will always reflect the last decisions recorded
across all stages" (the stage stop page), so an owner's Deny overrides the sponsor's Approve and a
sponsor's Deny, which never moves on, stands:
https://learn.microsoft.com/graph/api/accessreviewstage-stop?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/resources/accessreviewstagesettings?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/accessreviewinstance-list-decisions?view=graph-rest-1.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from graph_emulator import TenantState
from shared.cleanup.round import RoundOutcome, clean_up_instance
from shared.governance.definition import ReviewPolicy
from shared.governance.run import run_pass
from shared.queue.sender import StorageQueue
from shared.settings import Settings
from shared.state import StateStore
from tests.emulator.access_review_fixtures import add_guest
from tests.emulator.directory_helpers import ALEX
from tests.shared.conftest import FAST_RETRIES
from tests.shared.governance.fixtures import governance_deps, queued, settings_for, unique_queue

from .fixtures import FEELGOOD, NO_GUARD, cleanup_deps, enabled, member

# Rounds start at once (start date today), sponsors get 7 days, then owners 7.
POLICY = ReviewPolicy(
    start_date=dt.date(2026, 1, 5), reviewers="sponsors", stages=2, justification_required=False
)
INSTANCE = "/v1.0/identityGovernance/accessReviews/definitions/{definition_id}/instances/{instance_id}"


@pytest.fixture
def queue_name() -> str:
    return unique_queue()


@pytest.fixture
def app_settings(storage_connection_string: str, table_name: str, queue_name: str) -> Settings:
    return settings_for(storage_connection_string, table_name, queue_name)


@pytest.fixture
async def queue(app_settings: Settings) -> AsyncIterator[StorageQueue]:
    sending = StorageQueue.from_settings(app_settings.storage, app_settings.cleanup.queue_name, None)
    yield sending
    await sending.close()


async def decide(raw: httpx.AsyncClient, guest_id: str, decision: str) -> str:
    """A decision by the guest's reviewer in the stage now open; that reviewer's name."""
    body = {"groupId": FEELGOOD, "principalId": guest_id, "decision": decision, "justification": "checked"}
    response = await raw.post("/_emulator/accessReviews/decisions", json=body)
    assert response.status_code == 200, response.text
    name: str = response.json()["value"][0]["reviewedBy"]["displayName"]
    return name


async def move_clock(raw: httpx.AsyncClient, duration: str) -> None:
    response = await raw.post("/_emulator/clock", json={"advance": duration})
    assert response.status_code == 200, response.text


def stage_client(graph: Any, definition_id: str, instance_id: str) -> Any:
    definitions = graph.identity_governance.access_reviews.definitions
    return definitions.by_access_review_schedule_definition_id(
        definition_id
    ).instances.by_access_review_instance_id(instance_id)


@pytest.mark.parametrize("auto_apply", [False, True], ids=["cleanup-removes", "graph-auto-applies"])
async def test_only_the_final_stage_decision_counts(
    graph: Any,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    store: StateStore,
    queue: StorageQueue,
    app_settings: Settings,
    storage_connection_string: str,
    queue_name: str,
    auto_apply: bool,
) -> None:
    """Sponsor approves, owner denies: removed. Sponsor denies: removed (it never reaches the owner).
    Sponsor approves, owner silent: kept, and counted as the sponsor's Approve, Graph's record of
    the round (the difference case: the final stage's own item says NotReviewed)."""
    overruled, denied, unreviewed = (
        add_guest(emulator_state, name, groups=(FEELGOOD,), sponsors=(ALEX,))
        for name in ("Overruled", "Denied", "Unreviewed")
    )
    settings = replace(app_settings.governance, policy=replace(POLICY, auto_apply=auto_apply))
    deps = governance_deps(graph, store, queue, settings, emulator_state)
    created = await run_pass(deps)
    definition_id = created.definition.definition_id
    assert definition_id is not None

    # stage 1: the sponsor (Alex Wilber) decides for each guest
    assert {await decide(raw_client, g.id, d) for g, d in ((overruled, "Approve"), (denied, "Deny"))} == {
        "Alex Wilber"
    }
    assert await decide(raw_client, unreviewed.id, "Approve") == "Alex Wilber"
    await move_clock(raw_client, "P7DT1H")  # stage 2 opens with what the sponsor approved
    assert await decide(raw_client, overruled.id, "Deny") == "Megan Bowen"  # Feelgood's owner
    await move_clock(raw_client, "P7D")  # the round ends

    emulator_state.requests.clear()
    swept = await run_pass(deps)
    [message] = await queued(storage_connection_string, queue_name)
    assert swept.enqueued == (message.instance_id,)
    assert emulator_state.requests.summary()["byRoute"] == {  # as for one stage: find, list instances
        "GET /v1.0/identityGovernance/accessReviews/definitions": 1,
        "GET /v1.0/identityGovernance/accessReviews/definitions/{definition_id}/instances": 1,
    }
    emulator_state.requests.clear()
    result = await clean_up_instance(
        cleanup_deps(graph, store, NO_GUARD, now=emulator_state.clock.now(), retry=FAST_RETRIES), message
    )

    assert result.outcome is RoundOutcome.DONE
    assert result.decisions == {"total": 3, "Approve": 1, "Deny": 2}
    for guest in (overruled, denied):
        assert not member(emulator_state, FEELGOOD, guest)
        assert not enabled(emulator_state, guest)  # left with no group: disabled
        [audited] = [
            r for r in await store.audit.list_audit(guest_id=guest.id) if r.action == "disable-account"
        ]
        assert audited.decision == "Deny"
    assert member(emulator_state, FEELGOOD, unreviewed)
    assert enabled(emulator_state, unreviewed)
    # the same requests as a single-stage round: the instance's decisions already are the last ones
    routes = emulator_state.requests.summary()["byRoute"]
    assert (routes[f"GET {INSTANCE}"], routes[f"GET {INSTANCE}/decisions"]) == (1, 1)
    assert not any("/stages" in route for route in routes)

    # who decided, as Graph records it on the instance's items
    instance = stage_client(graph, definition_id, message.instance_id)
    items = {d.principal.id: d for d in (await instance.decisions.get()).value}
    assert {
        g.id: (items[g.id].decision, items[g.id].reviewed_by.display_name) for g in (overruled, denied)
    } == {
        overruled.id: ("Deny", "Megan Bowen"),
        denied.id: ("Deny", "Alex Wilber"),
    }
    assert (items[unreviewed.id].decision, items[unreviewed.id].reviewed_by.display_name) == (
        "Approve",
        "Alex Wilber",
    )
    # the difference case: in the owners' stage nobody decided on the unreviewed guest
    stages = (await instance.stages.get()).value
    final = max(stages, key=lambda s: s.start_date_time)
    own = await instance.stages.by_access_review_stage_id(final.id).decisions.get()
    assert {d.principal.id: d.decision for d in own.value} == {
        overruled.id: "Deny",
        unreviewed.id: "NotReviewed",
    }
