"""What cleanup tells HR: a denied guest removed by the review, and disabled when no group is left;
the same webhook ids when a round cut off before its checkpoint is cleaned up again."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from graph_emulator import TenantState
from shared.cleanup.round import clean_up_instance
from shared.errors import StateUnavailable
from shared.outcomes import OutcomeKind
from shared.state import StateStore
from tests.shared.cleanup.fixtures import FEELGOOD, NO_GUARD, RETAIL, cleanup_deps, finished_round, guests
from tests.shared.conftest import FAST_RETRIES
from tests.shared.outcomes.fixtures import RecordedOutcomes


async def test_denied_guests_are_reported_removed_and_disabled(
    graph,
    store: StateStore,
    emulator_state: TenantState,
    raw_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (alone,) = guests(emulator_state, 1, [FEELGOOD], name="Alone")
    (elsewhere,) = guests(emulator_state, 1, [FEELGOOD, RETAIL], name="Elsewhere")
    (approved,) = guests(emulator_state, 1, [FEELGOOD], name="Approved")
    decisions = {FEELGOOD: {alone.id: "Deny", elsewhere.id: "Deny", approved.id: "Approve"}}
    review = await finished_round(graph, raw_client, decisions, auto_apply=False)
    message = review.message(FEELGOOD)
    recorded = RecordedOutcomes()
    deps = replace(
        cleanup_deps(graph, store, NO_GUARD, now=emulator_state.clock.now(), retry=FAST_RETRIES),
        outcomes=recorded,
    )

    async def cut_off(*args: Any, **kwargs: Any) -> None:
        raise StateUnavailable("state table unavailable: ServiceRequestError")

    monkeypatch.setattr(store.reviews, "mark_instance_done", cut_off)
    with pytest.raises(StateUnavailable):
        await clean_up_instance(deps, message)
    first = {(o.kind, o.user_id): o.webhook_id for o in recorded.outcomes}
    assert set(first) == {
        (OutcomeKind.REMOVED_BY_REVIEW, alone.id),
        (OutcomeKind.REMOVED_BY_REVIEW, elsewhere.id),
        (OutcomeKind.DISABLED, alone.id),  # its other group keeps the other guest's account
    }
    data = recorded.of(OutcomeKind.DISABLED)[0].data
    assert data == {"groupId": FEELGOOD, "instanceId": review.instances[FEELGOOD]}

    monkeypatch.undo()
    recorded.outcomes.clear()
    await clean_up_instance(deps, message)  # already removed, already disabled: the same outcomes
    assert {(o.kind, o.user_id): o.webhook_id for o in recorded.outcomes} == first

    recorded.outcomes.clear()
    await clean_up_instance(deps, message)  # checkpointed: nothing read, nothing published
    assert recorded.outcomes == []
