"""The composition root: one worker per process, built from the environment on first use, handing
each flow its own few dependencies."""

from __future__ import annotations

import asyncio

import pytest

from shared.queue.sender import StorageQueue
from shared.worker import LazyWorker
from tests.shared.conftest import settings_env


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in settings_env().items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("environment")
def test_the_worker_is_built_from_the_environment_once_on_first_use() -> None:
    lazy = LazyWorker()
    assert not lazy.built  # creating it (as function_app does at import) built nothing
    first = lazy.get()
    assert lazy.get() is first
    assert first.settings.graph.auth_mode == "emulator"
    assert first.graph.request_adapter.base_url == "http://127.0.0.1/v1.0"


@pytest.mark.usefixtures("environment")
async def test_each_flow_gets_the_workers_one_client_store_and_clock() -> None:
    lazy = LazyWorker()
    worker = lazy.get()
    onboarding, governance, cleanup = lazy.onboarding(), lazy.governance(), lazy.cleanup()
    assert onboarding.graph is governance.graph is cleanup.graph is worker.graph
    assert onboarding.audit is governance.audit is cleanup.audit is worker.store.audit
    assert onboarding.clock is governance.clock is cleanup.clock is worker.clock
    assert governance.retry is cleanup.retry is worker.retry
    assert (
        onboarding.gateway is lazy.onboarding().gateway
    )  # the group facts cache lives as long as the worker
    assert onboarding.settings is worker.settings.onboarding
    assert cleanup.settings is worker.settings.cleanup


@pytest.mark.usefixtures("environment")
def test_offboarding_is_handed_onboardings_groups_and_governances_grace() -> None:
    """Read once, by their own sections: the flows cannot disagree on which groups Guestkeeper
    manages or when a disabled guest is deleted."""
    lazy = LazyWorker()
    worker, offboarding = lazy.get(), lazy.offboarding()
    assert offboarding.managed_groups is worker.settings.onboarding.allowed_group_ids
    assert offboarding.grace_days == worker.settings.governance.grace_days == 30
    assert offboarding.settings is worker.settings.offboarding
    assert offboarding.graph is worker.graph
    assert offboarding.disabled is worker.store.disabled


@pytest.mark.usefixtures("environment")
async def test_the_cleanup_queue_is_built_by_the_first_governance_run_and_kept() -> None:
    lazy = LazyWorker()
    assert lazy.get().queue is None  # onboarding-only traffic never builds a queue client
    queue = lazy.governance().queue
    assert isinstance(queue, StorageQueue)
    assert lazy.governance().queue is queue
    await queue.close()


@pytest.mark.usefixtures("environment")
def test_old_webhook_ids_are_forgotten_after_twice_the_accepted_clock_skew() -> None:
    governance = LazyWorker().governance()
    assert governance.webhook_retention is not None
    assert governance.webhook_retention.total_seconds() == 2 * 300  # WEBHOOK_TOLERANCE_SECONDS default


@pytest.mark.usefixtures("environment")
async def test_without_an_hr_callback_url_outcomes_go_nowhere() -> None:
    from shared.outcomes import NO_OUTCOMES

    lazy = LazyWorker()
    flows = (lazy.onboarding(), lazy.cleanup(), lazy.governance(), lazy.offboarding())
    assert {id(flow.outcomes) for flow in flows} == {id(NO_OUTCOMES)}
    await lazy.get().close()


async def test_with_an_hr_callback_url_every_flow_publishes_to_one_queue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared.outcomes import QueuedOutcomes

    for name, value in settings_env(HR_CALLBACK_URL="https://hr.fabrikam.com/guestkeeper").items():
        monkeypatch.setenv(name, value)
    lazy = LazyWorker()
    publisher = lazy.onboarding().outcomes
    assert isinstance(publisher, QueuedOutcomes)
    assert lazy.cleanup().outcomes is lazy.governance().outcomes is lazy.offboarding().outcomes is publisher
    assert lazy.callbacks().http is lazy.callbacks().http  # one HTTP client for the process
    await lazy.get().close()


@pytest.mark.usefixtures("environment")
def test_a_worker_built_in_an_event_loop_is_closed_when_that_loop_shuts_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """devhost runs the app under ``asyncio.run``: the storage clients close with it, so aiohttp has
    no unclosed session to warn about at exit."""
    lazy = LazyWorker()
    closed: list[bool] = []

    async def first_invocation() -> None:
        worker = lazy.get()

        async def close() -> None:
            closed.append(True)

        monkeypatch.setattr(worker, "close", close)

    asyncio.run(first_invocation())
    assert closed == [True]


@pytest.mark.usefixtures("environment")
def test_a_worker_built_outside_a_loop_is_left_alone() -> None:
    assert LazyWorker().get().store is not None  # nothing to close it with, and no error


def test_with_the_emulators_clock_every_flow_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.graph.client import EmulatorClock

    for name, value in settings_env(GRAPH_EMULATOR_CLOCK="true").items():
        monkeypatch.setenv(name, value)
    lazy = LazyWorker()
    assert isinstance(lazy.get().clock, EmulatorClock)
    assert lazy.onboarding().clock is lazy.offboarding().clock is lazy.governance().clock is lazy.get().clock
