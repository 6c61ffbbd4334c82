"""Grace-period deletions against the emulator (Graph) and Azurite (the state table)."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_emulator import TenantState
from graph_emulator.directory import User
from shared.errors import Forbidden
from shared.governance.grace import ACTION, delete_expired_guests
from shared.graph.batch import RetryPolicy
from shared.graph.permissions import GOVERNANCE
from shared.state import StateStore
from tests.emulator.access_review_fixtures import FEELGOOD, MEGAN, add_guest

GRACE = 30
INSTANCE = "0f0e0d0c-0b0a-4909-8807-060504030201"


def now(state: TenantState) -> dt.datetime:
    return state.clock.now()


async def disabled_guest(
    state: TenantState, store: StateStore, name: str, *, days_ago: int, groups: tuple[str, ...] = ()
) -> User:
    """A guest cleanup disabled ``days_ago`` days ago (as cleanup leaves it: disabled, recorded)."""
    user = add_guest(state, name, groups=groups)
    user.account_enabled = False
    await store.disabled.record_disabled(
        user.id, instance_id=INSTANCE, at=now(state) - dt.timedelta(days=days_ago)
    )
    return user


async def remaining(store: StateStore, state: TenantState) -> set[str]:
    return {d.guest_id for d in await store.disabled.disabled_before(now(state) + dt.timedelta(days=1))}


async def test_an_expired_guest_without_groups_is_deleted_and_audited(graph, emulator_state, store) -> None:
    expired = await disabled_guest(emulator_state, store, "Old", days_ago=GRACE + 1)
    recent = await disabled_guest(emulator_state, store, "New", days_ago=GRACE - 1)
    emulator_state.requests.clear()

    result = await delete_expired_guests(
        graph, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE
    )

    assert (result.candidates, result.deleted) == (1, (expired.id,))
    assert emulator_state.directory.users[expired.id].deleted is not None  # soft-deleted: restorable
    assert emulator_state.directory.users[recent.id].deleted is None
    assert await remaining(store, emulator_state) == {recent.id}
    [record] = await store.audit.list_audit(guest_id=expired.id)
    assert (record.action, record.outcome, record.instance_id) == (ACTION, "deleted", INSTANCE)
    summary = emulator_state.requests.summary()
    assert summary["byRoute"] == {"POST /v1.0/$batch": 2}  # one batch of checks, one of deletions
    assert summary["operationsByRoute"] == {
        "GET /v1.0/users/{user_id}": 1,
        "POST /v1.0/users/{user_id}/getMemberGroups": 1,
        "DELETE /v1.0/users/{user_id}": 1,
    }


async def test_nothing_expired_costs_no_graph_request(graph, emulator_state, store) -> None:
    await disabled_guest(emulator_state, store, "New", days_ago=GRACE - 1)
    emulator_state.requests.clear()
    result = await delete_expired_guests(
        graph, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE
    )
    assert result.candidates == 0
    assert emulator_state.requests.round_trips == 0


async def test_guests_who_regained_access_are_kept_and_forgotten(graph, emulator_state, store) -> None:
    in_group = await disabled_guest(emulator_state, store, "Back", days_ago=60, groups=(FEELGOOD,))
    enabled = await disabled_guest(emulator_state, store, "Enabled", days_ago=60)
    enabled.account_enabled = True
    member = emulator_state.directory.users[MEGAN]  # an internal user must never be deleted here
    member.account_enabled = False
    await store.disabled.record_disabled(
        MEGAN, instance_id=INSTANCE, at=now(emulator_state) - dt.timedelta(days=60)
    )

    result = await delete_expired_guests(
        graph, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE
    )

    assert result.deleted == ()
    assert set(result.kept) == {in_group.id, enabled.id, MEGAN}
    assert all(emulator_state.directory.users[u].deleted is None for u in result.kept)
    assert await remaining(store, emulator_state) == set()
    details = {r.guest_id: r.detail for r in await store.audit.list_audit() if r.action == ACTION}
    assert details == {
        in_group.id: "member of a group again",
        enabled.id: "account enabled again",
        MEGAN: "not a guest",
    }


async def test_a_guest_deleted_elsewhere_is_forgotten(graph, emulator_state, store) -> None:
    gone = await disabled_guest(emulator_state, store, "Gone", days_ago=45)
    emulator_state.directory.users[gone.id].deleted = now(emulator_state)
    result = await delete_expired_guests(
        graph, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE
    )
    assert result.gone == (gone.id,)
    assert await remaining(store, emulator_state) == set()
    [record] = await store.audit.list_audit(guest_id=gone.id)
    assert record.outcome == "already-deleted"


async def test_dry_run_checks_but_writes_nothing(graph, emulator_state, store) -> None:
    expired = await disabled_guest(emulator_state, store, "Old", days_ago=90)
    emulator_state.requests.clear()
    result = await delete_expired_guests(
        graph, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE, dry_run=True
    )
    assert (result.deleted, result.dry_run) == ((expired.id,), True)
    assert emulator_state.requests.writes == 0
    assert emulator_state.directory.users[expired.id].deleted is None
    assert await remaining(store, emulator_state) == {expired.id}
    assert await store.audit.list_audit(guest_id=expired.id) == []


async def test_a_failed_deletion_stays_for_the_next_pass(graph, emulator_state, store, raw_client) -> None:
    expired = await disabled_guest(emulator_state, store, "Old", days_ago=90)
    rule = {"status": 503, "method": "DELETE", "path": "^/users/", "count": 1, "retry_after": None}
    assert (await raw_client.put("/_emulator/faults", json={"rules": [rule]})).status_code == 200
    once = RetryPolicy(max_attempts=1)

    failed = await delete_expired_guests(
        graph, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE, retry=once
    )
    assert failed.failed == (expired.id,)
    assert await remaining(store, emulator_state) == {expired.id}

    again = await delete_expired_guests(
        graph, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE, retry=once
    )
    assert again.deleted == (expired.id,)
    outcomes = sorted(r.outcome for r in await store.audit.list_audit(guest_id=expired.id))
    assert outcomes == ["deleted", "failed"]


@pytest.mark.parametrize("missing", ["User.Read.All", "GroupMember.Read.All", "User.DeleteRestore.All"])
async def test_each_documented_permission_is_needed(make_graph, emulator_state, store, missing: str) -> None:
    await disabled_guest(emulator_state, store, "Old", days_ago=90)
    narrow = make_graph(roles=[p for p in GOVERNANCE if p != missing])
    with pytest.raises(Forbidden):
        await delete_expired_guests(
            narrow, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE
        )
    assert len(await remaining(store, emulator_state)) == 1


async def test_the_documented_permissions_suffice(make_graph, emulator_state, store) -> None:
    expired = await disabled_guest(emulator_state, store, "Old", days_ago=90)
    exact = make_graph(roles=list(GOVERNANCE))
    result = await delete_expired_guests(
        exact, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE
    )
    assert result.deleted == (expired.id,)


async def test_each_deletion_is_published_for_hr_once_per_disabled_date(graph, emulator_state, store) -> None:
    from shared.outcomes import OutcomeKind
    from tests.shared.outcomes.fixtures import RecordedOutcomes

    expired = await disabled_guest(emulator_state, store, "Old", days_ago=GRACE + 1)
    kept = await disabled_guest(emulator_state, store, "Back", days_ago=GRACE + 1, groups=(FEELGOOD,))
    recorded = RecordedOutcomes()
    await delete_expired_guests(
        graph, store.disabled, store.audit, now=now(emulator_state), grace_days=GRACE, outcomes=recorded
    )
    [deleted] = recorded.outcomes
    assert (deleted.kind, deleted.user_id, dict(deleted.data)) == (
        OutcomeKind.DELETED,
        expired.id,
        {"instanceId": INSTANCE},
    )
    assert kept.id not in {o.user_id for o in recorded.outcomes}
