"""The governance timer, called the documented way: ``build().get_user_function()`` with a
``TimerRequest``, on the worker runtime wired to the in-process emulator and Azurite."""

from __future__ import annotations

import logging

import pytest
from azure.functions.timer import TimerRequest

from shared.governance import trigger as triggers
from shared.graph.batch import RetryPolicy
from shared.onboarding.gateway import DirectoryGateway
from shared.settings import Settings
from shared.state import StateStore
from shared.worker import Runtime, set_runtime_for_tests
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


@pytest.fixture
def timer_runtime(timer_settings: Settings, store: StateStore, graph, emulator_state) -> Runtime:
    built = Runtime(
        settings=timer_settings,
        graph=graph,
        store=store,
        gateway=DirectoryGateway(policy=RetryPolicy()),
        clock=emulator_state.clock.now,  # the pass's "today" is the emulator's
    )
    set_runtime_for_tests(built)
    return built


async def fire(*, past_due: bool = False) -> None:
    handler = triggers.governance_run.build().get_user_function()
    await handler(TimerRequest(past_due=past_due))


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


@pytest.mark.usefixtures("timer_runtime")
async def test_the_timer_runs_a_pass(emulator_state, storage_connection_string: str, queue_name: str) -> None:
    guests_everywhere(emulator_state)
    await fire()
    assert len(definitions(emulator_state)) == 1
    emulator_state.clock.set(AFTER_FIRST_ROUND)
    await fire(past_due=True)
    assert len(await queued(storage_connection_string, queue_name)) == 3
    await fire()
    assert len(await queued(storage_connection_string, queue_name)) == 3


@pytest.mark.usefixtures("timer_runtime")
async def test_the_pass_logs_ids_and_counts(emulator_state, caplog: pytest.LogCaptureFixture) -> None:
    guests_everywhere(emulator_state)
    with caplog.at_level(logging.INFO):
        await fire(past_due=True)
    [definition_id] = definitions(emulator_state)
    assert "past due" in caplog.text
    assert f"definition {definition_id} created" in caplog.text
    assert "Guest0" not in caplog.text  # never a name


async def test_a_dry_run_setting_reaches_the_pass(
    graph, store: StateStore, emulator_state, storage_connection_string: str, table_name: str
) -> None:
    dry = settings_for(storage_connection_string, table_name, unique_queue(), GOVERNANCE_DRY_RUN="true")
    set_runtime_for_tests(Runtime(settings=dry, graph=graph, store=store, clock=emulator_state.clock.now))
    emulator_state.requests.clear()
    await fire()
    assert emulator_state.requests.writes == 0
    assert definitions(emulator_state) == {}
