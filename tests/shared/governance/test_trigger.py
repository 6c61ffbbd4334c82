"""The governance timer as the worker indexes it, called with a ``TimerRequest``, on a worker wired
to the in-process emulator and Azurite."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import pytest
from azure.functions.timer import TimerRequest

from shared.governance import trigger
from shared.settings import Settings
from shared.state import StateStore
from shared.worker import Worker
from tests.shared.conftest import handler
from tests.shared.governance.fixtures import (
    AFTER_FIRST_ROUND,
    definitions,
    guests_everywhere,
    queued,
    settings_for,
    unique_queue,
)
from tests.test_function_app import index_functions


@pytest.fixture
def queue_name() -> str:
    return unique_queue()


@pytest.fixture
def timer_settings(storage_connection_string: str, table_name: str, queue_name: str) -> Settings:
    return settings_for(storage_connection_string, table_name, queue_name)


@contextlib.asynccontextmanager
async def timer_worker(settings: Settings, store: StateStore, graph, emulator_state) -> AsyncIterator[Worker]:
    """A worker on the emulator's clock (the pass's "today"); it builds its queue client on first use."""
    worker = Worker(settings=settings, graph=graph, store=store, clock=emulator_state.clock.now)
    try:
        yield worker
    finally:
        await worker.close()


@pytest.fixture
async def worker(timer_settings: Settings, store: StateStore, graph, emulator_state) -> AsyncIterator[Worker]:
    async with timer_worker(timer_settings, store, graph, emulator_state) as built:
        yield built


async def fire(worker: Worker, *, past_due: bool = False) -> None:
    run = handler(trigger.blueprint(worker.governance), "governance_run")
    await run(TimerRequest(past_due=past_due))


def test_the_binding_reads_the_schedule_setting_and_never_runs_on_startup() -> None:
    [binding] = index_functions()["governance_run"]["bindings"]  # a fresh index, as a worker would
    assert binding == {
        "direction": "IN",
        "type": "timerTrigger",
        "name": "timer",
        "schedule": "%GOVERNANCE_SCHEDULE%",
        "runOnStartup": False,
        "useMonitor": True,
    }


async def test_the_timer_runs_a_pass(
    worker: Worker, emulator_state, storage_connection_string: str, queue_name: str
) -> None:
    guests_everywhere(emulator_state)
    await fire(worker)
    assert len(definitions(emulator_state)) == 1
    emulator_state.clock.set(AFTER_FIRST_ROUND)
    await fire(worker, past_due=True)
    assert len(await queued(storage_connection_string, queue_name)) == 3
    await fire(worker)
    assert len(await queued(storage_connection_string, queue_name)) == 3


async def test_the_pass_logs_ids_and_counts(
    worker: Worker, emulator_state, caplog: pytest.LogCaptureFixture
) -> None:
    guests_everywhere(emulator_state)
    with caplog.at_level(logging.INFO):
        await fire(worker, past_due=True)
    [definition_id] = definitions(emulator_state)
    assert "past due" in caplog.text
    assert f"definition {definition_id} created" in caplog.text
    assert "Guest0" not in caplog.text  # never a name


async def test_a_dry_run_setting_reaches_the_pass(
    graph, store: StateStore, emulator_state, storage_connection_string: str, table_name: str
) -> None:
    dry = settings_for(storage_connection_string, table_name, unique_queue(), GOVERNANCE_DRY_RUN="true")
    emulator_state.requests.clear()
    async with timer_worker(dry, store, graph, emulator_state) as worker:
        await fire(worker)
    assert emulator_state.requests.writes == 0
    assert definitions(emulator_state) == {}
