"""Cleanup's safety nets: dry run, the mass-removal guard and its release, Graph faults (429/5xx)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from kiota_http.middleware.options import RetryHandlerOption

from graph_emulator import TenantState
from graph_emulator.faults import FaultConfig, FaultRule
from shared.cleanup import guard
from shared.cleanup.round import RoundOutcome, clean_up_instance
from shared.cleanup.settings import CleanupSettings
from shared.errors import Throttled, Transient
from shared.graph.batch import RetryPolicy
from shared.queue.message import CleanupMessage
from shared.state import StateStore
from tests.shared.conftest import FAST_RETRIES

from .fixtures import (
    FEELGOOD,
    NO_GUARD,
    REAL,
    all_denied_round,
    cleanup_deps,
    enabled,
    finished_round,
    guests,
    member,
)

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
DELETE_MEMBER = "DELETE /v1.0/groups/{group_id}/members/{member_id}/$ref"


async def run(graph: Any, store: StateStore, message: CleanupMessage, settings: CleanupSettings) -> Any:
    return await clean_up_instance(cleanup_deps(graph, store, settings, now=NOW, retry=FAST_RETRIES), message)


async def test_dry_run_audits_what_would_change_and_writes_nothing_to_graph(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    orphan, kept = guests(emulator_state, 2, [FEELGOOD])
    review = await finished_round(
        graph, raw_client, {FEELGOOD: {orphan.id: "Deny", kept.id: "Approve"}}, auto_apply=False
    )
    message = review.message(FEELGOOD)
    emulator_state.requests.clear()
    result = await run(graph, store, message, CleanupSettings(dry_run=True, max_denial_share=1.0))

    assert result.outcome is RoundOutcome.DRY_RUN
    assert result.actions == {"disable-account:dry-run": 1, "remove-membership:dry-run": 1}
    assert emulator_state.requests.writes == 0
    assert member(emulator_state, FEELGOOD, orphan)
    assert enabled(emulator_state, orphan)
    assert not await store.reviews.instance_done(message.instance_id)  # a real run later still works
    assert await store.disabled.disabled_before(NOW.replace(year=2027)) == []
    assert await store.denials.latest_denial(orphan.id) is None
    records = await store.audit.list_audit(instance_id=message.instance_id)
    assert sorted((r.action, r.outcome, r.detail) for r in records if r.guest_id) == [
        ("disable-account", "dry-run", "would disable"),
        ("remove-membership", "dry-run", "would remove"),
    ]

    real = await run(graph, store, message, NO_GUARD)
    assert real.actions == {"disable-account:disabled": 1, "remove-membership:removed": 1}
    assert not enabled(emulator_state, orphan)


async def test_the_guard_stops_a_mass_removal_with_a_terminal_record_and_writes_nothing(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    everyone = guests(emulator_state, 10, [FEELGOOD])
    decisions = {g.id: "Deny" for g in everyone[:6]} | {g.id: "Approve" for g in everyone[6:]}
    review = await finished_round(graph, raw_client, {FEELGOOD: decisions}, auto_apply=False)
    message = review.message(FEELGOOD)
    emulator_state.requests.clear()

    result = await run(graph, store, message, REAL)  # 6 of 10 denied > 0.5, and 10 >= 10 decisions
    assert result.outcome is RoundOutcome.GUARDED
    assert emulator_state.requests.writes == 0
    assert all(member(emulator_state, FEELGOOD, g) for g in everyone)
    (stopped,) = await store.audit.list_audit(instance_id=message.instance_id)
    assert (stopped.action, stopped.outcome) == ("mass-removal-guard", "stopped")
    assert json.loads(stopped.detail or "{}")["reason"].startswith("6 of 10 decisions are Deny")
    assert not await store.reviews.instance_done(message.instance_id)

    again = await run(graph, store, message, REAL)  # a duplicate delivery adds nothing
    assert again.outcome is RoundOutcome.GUARDED
    assert len(await store.audit.list_audit(instance_id=message.instance_id)) == 1

    await guard.release(store.audit, message.instance_id, why="HR confirmed the contract ended", now=NOW)
    released = await run(graph, store, message, REAL)
    assert released.outcome is RoundOutcome.DONE
    assert released.actions["remove-membership:removed"] == 6


async def test_throttled_decision_pages_are_retried_after_retry_after(
    make_graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    graph = make_graph(retry=RetryHandlerOption(delay=0.0, max_retries=2))
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False)
    rule = FaultRule(status=429, method="GET", path="/decisions", count=1, retry_after=1)
    emulator_state.faults.configure(FaultConfig(rules=[rule]))
    started = time.monotonic()
    result = await run(graph, store, review.message(FEELGOOD), NO_GUARD)
    assert 1.0 <= time.monotonic() - started < 4.0
    assert result.actions["remove-membership:removed"] == 1
    statuses = [e.status for e in emulator_state.requests.entries if e.path.endswith("/decisions")]
    assert statuses == [429, 200]


async def test_failing_batch_items_are_retried_one_by_one(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    _, review = await all_denied_round(graph, raw_client, emulator_state, 3)
    rules = [
        FaultRule(status=503, method="DELETE", path="/members/", count=2, retry_after=1),
        FaultRule(status=429, method="POST", path="/getMemberGroups$", count=1, retry_after=1),
    ]
    emulator_state.faults.configure(FaultConfig(rules=rules))
    result = await run(graph, store, review.message(FEELGOOD), NO_GUARD)
    assert result.actions == {"disable-account:disabled": 3, "remove-membership:removed": 3}
    deletes = [e.status for e in emulator_state.requests.entries if e.method == "DELETE"]
    assert sorted(deletes) == [204, 204, 204, 503, 503]


async def test_persistent_faults_propagate_so_the_host_retries_the_message(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False)
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=429, path="/getMemberGroups$", retry_after=1)])
    )
    impatient = RetryPolicy(max_attempts=2, default_retry_after=1.0)
    with pytest.raises(Throttled):
        await clean_up_instance(
            cleanup_deps(graph, store, NO_GUARD, now=NOW, retry=impatient), review.message(FEELGOOD)
        )
    emulator_state.faults.configure(FaultConfig(rules=[FaultRule(status=500, path="/decisions")]))
    with pytest.raises(Transient):
        await run(graph, store, review.message(FEELGOOD), NO_GUARD)
    assert emulator_state.requests.writes == 1  # the definition's creation only
    assert member(emulator_state, FEELGOOD, denied)
