"""Sweeping a definition's instances to the cleanup queue, against the emulator and Azurite."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState
from graph_emulator.resources.access_reviews.backend import backend_of
from shared.governance.definition import ReviewPolicy
from shared.governance.ensure import ensure_definition
from shared.governance.sweep import sweep
from shared.queue.sender import StorageQueue
from shared.state import StateStore
from tests.emulator.access_review_fixtures import FEELGOOD, RETAIL, SALES
from tests.shared.governance.fixtures import (
    AFTER_FIRST_ROUND,
    guests_everywhere,
    instances,
    queued,
    settings_for,
    unique_queue,
)

POLICY = ReviewPolicy()


def today(state: TenantState) -> dt.date:
    return state.clock.now().date()


@pytest.fixture
def queue_name() -> str:
    return unique_queue()


@pytest.fixture
async def queue(
    storage_connection_string: str, table_name: str, queue_name: str
) -> AsyncIterator[StorageQueue]:
    settings = settings_for(storage_connection_string, table_name, queue_name)
    sending = StorageQueue.from_settings(settings.storage, settings.cleanup.queue_name, None)
    yield sending
    await sending.close()


async def first_round_ended(graph: GraphServiceClient, state: TenantState) -> str:
    """A guest in every seed group, our definition created, the clock past its first round's end."""
    guests_everywhere(state)
    ensured = await ensure_definition(graph, POLICY, today=today(state))
    assert ensured.definition_id is not None
    state.clock.set(AFTER_FIRST_ROUND)
    return ensured.definition_id


async def test_one_message_per_finished_instance_and_none_again(
    graph, emulator_state, store: StateStore, queue, storage_connection_string: str, queue_name: str
) -> None:
    guests_everywhere(emulator_state)
    ensured = await ensure_definition(graph, POLICY, today=today(emulator_state))
    definition_id = ensured.definition_id
    assert definition_id is not None
    emulator_state.clock.set(dt.datetime(2026, 4, 2, tzinfo=dt.UTC))
    running = await sweep(graph, store.reviews, queue, definition_id, now=emulator_state.clock.now())
    assert (running.listed, running.running, running.enqueued) == (3, 3, ())
    assert await queued(storage_connection_string, queue_name) == []  # not even created yet

    emulator_state.clock.set(AFTER_FIRST_ROUND)
    emulator_state.requests.clear()
    swept = await sweep(graph, store.reviews, queue, definition_id, now=emulator_state.clock.now())
    assert emulator_state.requests.round_trips == 1
    expected = instances(emulator_state, definition_id)
    assert set(swept.enqueued) == set(expected)
    messages = await queued(storage_connection_string, queue_name)
    assert sorted((m.instance_id, m.group_id) for m in messages) == sorted(expected.items())
    assert {m.definition_id for m in messages} == {definition_id}
    assert {m.group_id for m in messages} == {FEELGOOD, RETAIL, SALES}
    assert await store.reviews.enqueued_instances(definition_id) == set(expected)

    again = await sweep(graph, store.reviews, queue, definition_id, now=emulator_state.clock.now())
    assert (again.enqueued, again.handled) == ((), 3)
    assert len(await queued(storage_connection_string, queue_name)) == 3


async def test_instances_checkpointed_by_cleanup_are_not_enqueued(
    graph, emulator_state, store: StateStore, queue, storage_connection_string: str, queue_name: str
) -> None:
    definition_id = await first_round_ended(graph, emulator_state)
    by_group = {g: i for i, g in instances(emulator_state, definition_id).items()}
    await store.reviews.mark_instance_done(by_group[FEELGOOD], at=emulator_state.clock.now(), summary={})
    swept = await sweep(graph, store.reviews, queue, definition_id, now=emulator_state.clock.now())
    assert set(swept.enqueued) == {by_group[RETAIL], by_group[SALES]}
    assert swept.handled == 1


async def test_unknown_statuses_are_logged_not_fatal(
    graph, emulator_state, store: StateStore, queue, caplog: pytest.LogCaptureFixture
) -> None:
    definition_id = await first_round_ended(graph, emulator_state)
    odd = next(iter(instances(emulator_state, definition_id)))
    backend_of(emulator_state).instances[odd].status = "Archiving"  # a value Graph may add one day
    with caplog.at_level("WARNING", logger="shared.governance.sweep"):
        swept = await sweep(graph, store.reviews, queue, definition_id, now=emulator_state.clock.now())
    assert swept.unknown == (odd,)
    assert len(swept.enqueued) == 2
    assert f"instance {odd}" in caplog.text
    assert "'Archiving'" in caplog.text


async def test_sweep_dry_run_sends_and_records_nothing(
    graph, emulator_state, store: StateStore, queue, storage_connection_string: str, queue_name: str
) -> None:
    definition_id = await first_round_ended(graph, emulator_state)
    swept = await sweep(
        graph, store.reviews, queue, definition_id, now=emulator_state.clock.now(), dry_run=True
    )
    assert len(swept.enqueued) == 3
    assert await queued(storage_connection_string, queue_name) == []
    assert await store.reviews.enqueued_instances(definition_id) == set()
