"""Cleanup's Graph permissions are sufficient and each one is needed (the emulator enforces Graph's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from graph_emulator import TenantState
from shared.cleanup.round import RoundOutcome, clean_up_instance
from shared.cleanup.settings import CleanupSettings
from shared.errors import Forbidden
from shared.graph.permissions import APP_PERMISSIONS, CLEANUP
from shared.state import StateStore
from tests.shared.conftest import FAST_RETRIES

from .fixtures import FEELGOOD, NO_GUARD, cleanup_deps, finished_round, guests

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
LEAST = (
    "AccessReview.Read.All",
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "User.EnableDisableAccount.All",
    "User.Read.All",
)
APPLY_MODE = CleanupSettings(max_denial_share=1.0, removal_mode="applyDecisions")


async def round_with_one_orphan(graph: Any, raw: httpx.AsyncClient, state: TenantState) -> Any:
    (denied,) = guests(state, 1, [FEELGOOD])
    review = await finished_round(graph, raw, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False)
    return review.message(FEELGOOD)


@pytest.mark.parametrize("missing", [None, *LEAST])
async def test_least_privileged_roles_suffice_and_each_is_needed(
    graph: Any,
    make_graph: Any,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    store: StateStore,
    missing: str | None,
) -> None:
    message = await round_with_one_orphan(graph, raw_client, emulator_state)
    limited = make_graph(roles=[r for r in LEAST if r != missing])
    if missing is None:
        result = await clean_up_instance(
            cleanup_deps(limited, store, NO_GUARD, now=NOW, retry=FAST_RETRIES), message
        )
        assert result.outcome is RoundOutcome.DONE
        assert result.actions["disable-account:disabled"] == 1
    else:
        with pytest.raises(Forbidden):
            await clean_up_instance(
                cleanup_deps(limited, store, NO_GUARD, now=NOW, retry=FAST_RETRIES), message
            )


async def test_apply_decisions_mode_needs_access_review_read_write(
    graph: Any, make_graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    message = await round_with_one_orphan(graph, raw_client, emulator_state)
    read_only = make_graph(roles=LEAST)
    with pytest.raises(Forbidden):
        await clean_up_instance(
            cleanup_deps(read_only, store, APPLY_MODE, now=NOW, retry=FAST_RETRIES), message
        )
    roles = ["AccessReview.ReadWrite.All", *LEAST[1:]]
    result = await clean_up_instance(
        cleanup_deps(make_graph(roles=roles), store, APPLY_MODE, now=NOW), message
    )
    assert result.actions["disable-account:disabled"] == 1


def test_the_app_holds_what_cleanup_needs() -> None:
    assert set(CLEANUP) <= set(APP_PERMISSIONS)
    covered = {"AccessReview.Read.All": "AccessReview.ReadWrite.All"}
    assert {covered.get(r, r) for r in LEAST} <= set(APP_PERMISSIONS)


def test_the_app_needs_no_directory_wide_permission() -> None:
    """Guests' groups come from getMemberGroups (User.Read.All + GroupMember.Read.All), not memberOf."""
    assert not {"Directory.Read.All", "Directory.ReadWrite.All"} & set(APP_PERMISSIONS)
