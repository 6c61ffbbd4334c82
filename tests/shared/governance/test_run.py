"""Whole governance passes: the emulator's clock drives the quarter, Azurite holds queue and table."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from graph_emulator import TenantState
from shared.errors import Forbidden, Transient
from shared.governance.ensure import Outcome
from shared.governance.run import GovernanceReport, run_pass
from shared.governance.settings import GovernanceSettings
from shared.graph.permissions import GOVERNANCE
from shared.queue.sender import StorageQueue
from shared.settings import Settings
from shared.state import StateStore
from tests.emulator.access_review_fixtures import SALES, add_guest
from tests.shared.governance.fixtures import (
    AFTER_FIRST_ROUND,
    definitions,
    governance_deps,
    guests_everywhere,
    instances,
    queued,
    settings_for,
    unique_queue,
)

ROUTES_FIND = "GET /v1.0/identityGovernance/accessReviews/definitions"
ROUTES_LIST = "GET /v1.0/identityGovernance/accessReviews/definitions/{definition_id}/instances"


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


class Passes:
    """Runs passes at the emulator's time and measures each one's Graph traffic."""

    def __init__(self, graph, state: TenantState, store: StateStore, queue, settings: GovernanceSettings):
        self.graph, self.state, self.store, self.queue, self.settings = graph, state, store, queue, settings

    async def run(self, **changes) -> GovernanceReport:
        self.state.requests.clear()
        settings = replace(self.settings, **changes)
        return await run_pass(governance_deps(self.graph, self.store, self.queue, settings, self.state))

    def routes(self) -> dict[str, int]:
        return dict(self.state.requests.summary()["byRoute"])


@pytest.fixture
def passes(graph, emulator_state, store, queue, app_settings: Settings) -> Passes:
    return Passes(graph, emulator_state, store, queue, app_settings.governance)


async def test_a_quarter_end_to_end(
    passes: Passes, emulator_state, storage_connection_string: str, queue_name: str
) -> None:
    guests_everywhere(emulator_state)
    first = await passes.run()
    assert first.definition.outcome is Outcome.CREATED
    assert first.sweeps == ()  # a new series has no instances: no list request
    assert passes.routes() == {
        "GET /v1.0/identityGovernance/accessReviews/definitions": 1,
        "POST /v1.0/identityGovernance/accessReviews/definitions": 1,
    }

    second = await passes.run()
    assert second.definition.outcome is Outcome.UNCHANGED
    assert passes.routes() == {ROUTES_FIND: 1}  # not started yet: nothing can have finished

    emulator_state.clock.set(dt.datetime(2026, 4, 3, tzinfo=dt.UTC))  # the round is running
    running = await passes.run()
    assert running.enqueued == ()
    assert passes.routes() == {ROUTES_FIND: 1, ROUTES_LIST: 1}
    assert emulator_state.requests.writes == 0

    emulator_state.clock.set(AFTER_FIRST_ROUND)
    finished = await passes.run()
    definition_id = first.definition.definition_id
    assert definition_id is not None
    expected = instances(emulator_state, definition_id)
    assert set(finished.enqueued) == set(expected)
    messages = await queued(storage_connection_string, queue_name)
    assert sorted((m.definition_id, m.instance_id, m.group_id) for m in messages) == sorted(
        (definition_id, i, g) for i, g in expected.items()
    )

    idle = await passes.run()
    assert idle.enqueued == ()
    assert len(await queued(storage_connection_string, queue_name)) == len(expected)
    assert passes.routes() == {ROUTES_FIND: 1, ROUTES_LIST: 1}  # the budget of a pass with nothing to do
    assert emulator_state.requests.writes == 0


async def test_a_dry_run_pass_writes_nothing_anywhere(
    passes: Passes, emulator_state, store: StateStore, storage_connection_string: str, queue_name: str
) -> None:
    guests_everywhere(emulator_state)
    expired = add_guest(emulator_state, "Expired")
    expired.account_enabled = False
    await store.disabled.record_disabled(
        expired.id, instance_id="i", at=emulator_state.clock.now() - dt.timedelta(days=40)
    )

    dry = await passes.run(dry_run=True)
    assert (dry.definition.outcome, dry.definition.definition_id) == (Outcome.CREATED, None)
    assert dry.grace.deleted == (expired.id,)
    assert emulator_state.requests.writes == 0
    assert definitions(emulator_state) == {}

    await passes.run()  # a real pass creates the series; then a quarter passes
    emulator_state.clock.set(AFTER_FIRST_ROUND)
    later = await passes.run(dry_run=True)
    assert len(later.enqueued) == 3
    assert emulator_state.requests.writes == 0
    assert await queued(storage_connection_string, queue_name) == []
    assert later.definition.definition_id is not None
    assert await store.reviews.enqueued_instances(later.definition.definition_id) == set()
    assert {
        d.guest_id for d in await store.disabled.disabled_before(emulator_state.clock.now())
    } == set()  # real pass deleted


async def test_an_old_series_is_swept_until_drained(
    passes: Passes, emulator_state, storage_connection_string: str, queue_name: str
) -> None:
    guests_everywhere(emulator_state)
    first = await passes.run()
    old_id = first.definition.definition_id
    emulator_state.clock.set(dt.datetime(2026, 4, 3, tzinfo=dt.UTC))
    policy = replace(passes.settings.policy, excluded_group_ids=(SALES,))
    passes.settings = replace(passes.settings, policy=policy)

    changed = await passes.run()
    assert changed.definition.outcome is Outcome.RECREATED
    assert [s.definition_id for s in changed.sweeps] == [old_id]  # its running round is still ours
    assert changed.sweeps[0].running == 3

    emulator_state.clock.set(AFTER_FIRST_ROUND)  # the old series' last round has finished
    drained = await passes.run()
    assert len(drained.enqueued) == 3
    assert drained.sweeps[-1].drained
    assert len(await queued(storage_connection_string, queue_name)) == 3

    idle = await passes.run()
    assert idle.sweeps == ()  # the new series has not started; the old one is drained
    assert passes.routes() == {ROUTES_FIND: 1}


async def test_the_documented_permissions_run_a_whole_pass(
    make_graph, emulator_state, store: StateStore, queue, app_settings: Settings
) -> None:
    guests_everywhere(emulator_state)
    exact = make_graph(roles=list(GOVERNANCE))
    deps = governance_deps(exact, store, queue, app_settings.governance, emulator_state)
    await run_pass(deps)
    emulator_state.clock.set(AFTER_FIRST_ROUND)
    report = await run_pass(deps)
    assert len(report.enqueued) == 3
    reader = make_graph(
        roles=["AccessReview.Read.All", "User.Read.All", "GroupMember.Read.All", "User.DeleteRestore.All"]
    )
    changed = replace(app_settings.governance.policy, instance_duration_days=7)
    settings = replace(app_settings.governance, policy=changed)
    with pytest.raises(Forbidden):
        await run_pass(governance_deps(reader, store, queue, settings, emulator_state))


async def test_the_report_summary_holds_ids_and_counts_only(passes: Passes, emulator_state) -> None:
    guests_everywhere(emulator_state)
    await passes.run()
    emulator_state.clock.set(AFTER_FIRST_ROUND)
    summary = (await passes.run()).summary()
    assert summary["outcome"] == "unchanged"
    assert len(summary["enqueued"]) == 3
    text = repr(summary)
    assert "Guest" not in text  # display names never reach the log line
    assert "@" not in text


async def test_a_refused_definition_write_still_sweeps_then_fails_the_pass(
    passes: Passes, emulator_state, raw_client, storage_connection_string: str, queue_name: str
) -> None:
    guests_everywhere(emulator_state)
    await passes.run()
    emulator_state.clock.set(AFTER_FIRST_ROUND)
    rule = {"status": 503, "method": "PUT", "path": "^/identityGovernance/", "count": 1, "retry_after": None}
    assert (await raw_client.put("/_emulator/faults", json={"rules": [rule]})).status_code == 200
    policy = replace(passes.settings.policy, instance_duration_days=7)
    passes.settings = replace(passes.settings, policy=policy)
    with pytest.raises(Transient):
        await passes.run()
    assert len(await queued(storage_connection_string, queue_name)) == 3  # the round still went to cleanup
    repaired = await passes.run()
    assert (repaired.definition.outcome, repaired.definition.error) == (Outcome.UPDATED, None)


async def test_the_pass_forgets_webhook_ids_older_than_the_retention(
    graph, emulator_state, store: StateStore, queue, app_settings: Settings
) -> None:
    now = emulator_state.clock.now()
    await store.webhooks.claim_webhook("msg_old", now=now - dt.timedelta(hours=1))
    await store.webhooks.finish_webhook("msg_old", status=201, now=now - dt.timedelta(hours=1))
    await store.webhooks.claim_webhook("msg_recent", now=now - dt.timedelta(minutes=2))
    await store.webhooks.finish_webhook("msg_recent", status=201, now=now - dt.timedelta(minutes=2))
    retention = dt.timedelta(minutes=10)

    deps = governance_deps(graph, store, queue, app_settings.governance, emulator_state, retention=retention)
    dry = await run_pass(replace(deps, settings=replace(deps.settings, dry_run=True)))
    assert dry.purged_webhook_claims == 0
    report = await run_pass(deps)
    assert report.purged_webhook_claims == 1
    assert report.summary()["purgedWebhookClaims"] == 1
    assert (await store.webhooks.claim_webhook("msg_recent", now=now)).value == "replayed"  # still refused
    assert (await store.webhooks.claim_webhook("msg_old", now=now)).value == "claimed"  # forgotten
