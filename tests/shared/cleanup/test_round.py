"""Cleanup of one finished round against the emulator and Azurite: auto-apply on and off, guests in
two groups, applyDecisions mode, idempotent re-runs and crashes half-way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from graph_emulator import TenantState
from shared.cleanup.round import RoundOutcome, clean_up_instance
from shared.cleanup.settings import CleanupSettings
from shared.graph import guest_access
from shared.graph.batch import RetryPolicy
from shared.queue.message import CleanupMessage, InvalidCleanupMessage
from shared.state import StateStore
from tests.emulator.access_review_fixtures import add_group
from tests.shared.conftest import FAST_RETRIES

from .fixtures import (
    FEELGOOD,
    IT_OPERATIONS,
    NO_GUARD,
    RETAIL,
    all_denied_round,
    cleanup_deps,
    decide,
    enabled,
    finished_round,
    guests,
    member,
    start_round,
)

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
INSTANCE_GET = (
    "GET /v1.0/identityGovernance/accessReviews/definitions/{definition_id}/instances/{instance_id}"
)
DECISIONS_GET = f"{INSTANCE_GET}/decisions"
BATCH = "POST /v1.0/$batch"
DELETE_MEMBER = "DELETE /v1.0/groups/{group_id}/members/{member_id}/$ref"
PATCH_USER = "PATCH /v1.0/users/{user_id}"


async def run(
    graph: Any, store: StateStore, message: CleanupMessage, settings: CleanupSettings = NO_GUARD
) -> Any:
    return await clean_up_instance(cleanup_deps(graph, store, settings, now=NOW, retry=FAST_RETRIES), message)


def operations(state: TenantState) -> dict[str, int]:
    counts: dict[str, int] = state.requests.summary()["operationsByRoute"]
    return counts


def round_trips(state: TenantState) -> dict[str, int]:
    counts: dict[str, int] = state.requests.summary()["byRoute"]
    return counts


async def test_auto_apply_off_removes_denied_guests_and_disables_orphans(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    denied, approved, silent = guests(emulator_state, 3, [FEELGOOD])
    review = await finished_round(
        graph, raw_client, {FEELGOOD: {denied.id: "Deny", approved.id: "Approve"}}, auto_apply=False
    )
    emulator_state.requests.clear()
    result = await run(graph, store, review.message(FEELGOOD))

    assert result.outcome is RoundOutcome.DONE
    assert result.decisions == {"total": 3, "Approve": 1, "Deny": 1, "NotReviewed": 1}
    assert result.actions == {"disable-account:disabled": 1, "remove-membership:removed": 1}
    assert not member(emulator_state, FEELGOOD, denied)
    assert not enabled(emulator_state, denied)
    for kept in (approved, silent):  # approved and unreviewed guests are left alone
        assert member(emulator_state, FEELGOOD, kept)
        assert enabled(emulator_state, kept)
    assert [d.guest_id for d in await store.disabled.disabled_before(NOW.replace(year=2027))] == [denied.id]
    denial = await store.denials.latest_denial(denied.id)
    assert denial is not None
    assert denial.instance_id == review.instances[FEELGOOD]
    assert await store.reviews.instance_done(review.instances[FEELGOOD])
    # one instance read, one decisions page, then batches: look-ups, removal, disable
    assert round_trips(emulator_state) == {INSTANCE_GET: 1, DECISIONS_GET: 1, BATCH: 3}
    assert operations(emulator_state)[DELETE_MEMBER] == 1
    assert operations(emulator_state)[PATCH_USER] == 1


async def test_every_action_is_audited_with_ids_decision_and_outcome_and_a_summary(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False)
    await run(graph, store, review.message(FEELGOOD))
    instance = review.instances[FEELGOOD]

    by_guest = await store.audit.list_audit(guest_id=denied.id)
    assert sorted((r.action, r.outcome) for r in by_guest) == [
        ("disable-account", "disabled"),
        ("remove-membership", "removed"),
    ]
    for record in by_guest:
        assert (record.group_id, record.instance_id, record.decision, record.at) == (
            FEELGOOD,
            instance,
            "Deny",
            NOW,
        )
    by_round = await store.audit.list_audit(instance_id=instance)
    summary = [r for r in by_round if r.action == "round-summary"]
    assert len(summary) == 1
    assert summary[0].outcome == "done"
    assert '"disable-account:disabled":1' in (summary[0].detail or "")
    assert not any("Guest" in (r.detail or "") or "@" in (r.detail or "") for r in by_round)  # no names


async def test_auto_apply_on_leaves_only_the_orphans_to_disable(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    denied, approved = guests(emulator_state, 2, [FEELGOOD])
    review = await finished_round(
        graph, raw_client, {FEELGOOD: {denied.id: "Deny", approved.id: "Approve"}}, auto_apply=True
    )
    assert not member(emulator_state, FEELGOOD, denied)  # Graph applied the denial itself
    emulator_state.requests.clear()
    result = await run(graph, store, review.message(FEELGOOD))

    assert result.actions == {"disable-account:disabled": 1, "remove-membership:already-removed": 1}
    assert DELETE_MEMBER not in operations(emulator_state)
    assert not enabled(emulator_state, denied)
    assert enabled(emulator_state, approved)
    removal = next(
        r for r in await store.audit.list_audit(guest_id=denied.id) if r.action == "remove-membership"
    )
    assert removal.detail == "applyResult AppliedSuccessfully"


async def test_a_guest_in_two_groups_denied_in_one_keeps_its_account(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    (both,) = guests(emulator_state, 1, [FEELGOOD, RETAIL], name="Both")
    review = await finished_round(
        graph, raw_client, {FEELGOOD: {both.id: "Deny"}, RETAIL: {both.id: "Approve"}}, auto_apply=False
    )
    result = await run(graph, store, review.message(FEELGOOD))
    assert result.actions == {"disable-account:kept-other-groups": 1, "remove-membership:removed": 1}
    assert not member(emulator_state, FEELGOOD, both)
    assert member(emulator_state, RETAIL, both)
    assert enabled(emulator_state, both)
    assert await store.disabled.disabled_before(NOW.replace(year=2027)) == []
    await run(graph, store, review.message(RETAIL))  # approved there: nothing changes
    assert member(emulator_state, RETAIL, both)


async def test_a_security_group_membership_also_keeps_the_account(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    (guest,) = guests(emulator_state, 1, [FEELGOOD, IT_OPERATIONS])  # IT Operations is never reviewed
    review = await finished_round(graph, raw_client, {FEELGOOD: {guest.id: "Deny"}}, auto_apply=True)
    result = await run(graph, store, review.message(FEELGOOD))
    assert result.actions["disable-account:kept-other-groups"] == 1
    assert enabled(emulator_state, guest)


async def test_other_groups_count_nested_ones_too(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    """The look-up is getMemberGroups (transitive): a security group holding IT Operations counts."""
    (guest,) = guests(emulator_state, 1, [FEELGOOD, IT_OPERATIONS])
    add_group(emulator_state, "Operations Parent", unified=False).members[IT_OPERATIONS] = None
    review = await finished_round(graph, raw_client, {FEELGOOD: {guest.id: "Deny"}}, auto_apply=False)
    result = await run(graph, store, review.message(FEELGOOD))
    assert result.actions == {"disable-account:kept-other-groups": 1, "remove-membership:removed": 1}
    kept = next(r for r in await store.audit.list_audit(guest_id=guest.id) if r.action == "disable-account")
    assert kept.detail == "2 other groups"
    assert enabled(emulator_state, guest)


async def test_two_rounds_at_once_still_disable_a_guest_denied_in_both(
    graph: Any,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    store: StateStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both rounds' first look-ups see the other group; the re-read after removal sees it gone."""
    (both,) = guests(emulator_state, 1, [FEELGOOD, RETAIL], name="Both")
    review = await finished_round(
        graph, raw_client, {FEELGOOD: {both.id: "Deny"}, RETAIL: {both.id: "Deny"}}, auto_apply=False
    )
    first_look_ups = asyncio.Barrier(2)
    look_up = guest_access.look_up

    async def in_step(*args: Any, with_user: bool = True, **kwargs: Any) -> Any:
        facts = await look_up(*args, with_user=with_user, **kwargs)
        if with_user:  # neither round removes anything before both have looked
            await first_look_ups.wait()
        return facts

    monkeypatch.setattr(guest_access, "look_up", in_step)
    emulator_state.requests.clear()
    results = await asyncio.gather(
        run(graph, store, review.message(FEELGOOD)), run(graph, store, review.message(RETAIL))
    )
    assert not member(emulator_state, FEELGOOD, both)
    assert not member(emulator_state, RETAIL, both)
    assert not enabled(emulator_state, both)
    disabled = [r.actions.get("disable-account:disabled", 0) for r in results]
    assert sum(disabled) >= 1
    assert operations(emulator_state)[PATCH_USER] == sum(disabled)
    assert [d.guest_id for d in await store.disabled.disabled_before(NOW.replace(year=2027))] == [both.id]


async def test_a_denied_member_is_removed_but_never_disabled_and_a_deleted_user_is_skipped(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    converted, deleted = guests(emulator_state, 2, [FEELGOOD])
    review = await start_round(graph, raw_client, auto_apply=False)
    emulator_state.directory.users[converted.id].user_type = "Member"  # converted during the review
    await decide(raw_client, review.instances[FEELGOOD], {converted.id: "Deny", deleted.id: "Deny"})
    await graph.users.by_user_id(deleted.id).delete()
    await raw_client.post("/_emulator/clock", json={"advance": "P15D"})

    result = await run(graph, store, review.message(FEELGOOD))
    assert result.actions == {
        "disable-account:kept-not-guest": 1,
        "disable-account:user-not-found": 1,
        "remove-membership:removed": 1,
        "remove-membership:user-not-found": 1,
    }
    assert enabled(emulator_state, converted)
    assert not member(emulator_state, FEELGOOD, converted)


async def test_apply_decisions_mode_calls_graph_once_instead_of_removing_each_member(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    _, review = await all_denied_round(graph, raw_client, emulator_state, 3)
    emulator_state.requests.clear()
    settings = CleanupSettings(max_denial_share=1.0, removal_mode="applyDecisions")
    result = await run(graph, store, review.message(FEELGOOD), settings)

    assert result.actions == {"disable-account:disabled": 3, "remove-membership:already-removed": 3}
    ops = operations(emulator_state)
    assert ops[f"POST {INSTANCE_GET.removeprefix('GET ')}/applyDecisions"] == 1
    assert DELETE_MEMBER not in ops
    assert ops[PATCH_USER] == 3
    apply = [
        r
        for r in await store.audit.list_audit(instance_id=review.instances[FEELGOOD])
        if (r.key or "").endswith("-apply")
    ]
    assert [(r.action, r.outcome) for r in apply] == [("apply-decisions", "applied")]


async def test_apply_decisions_mode_on_an_applied_instance_removes_nothing_more(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=True)
    emulator_state.requests.clear()
    settings = CleanupSettings(max_denial_share=1.0, removal_mode="applyDecisions")
    await run(graph, store, review.message(FEELGOOD), settings)
    assert not any(route.endswith("/applyDecisions") for route in operations(emulator_state))
    apply = [
        r
        for r in await store.audit.list_audit(instance_id=review.instances[FEELGOOD])
        if (r.key or "").endswith("-apply")
    ]
    assert [(r.outcome, r.detail) for r in apply] == [
        ("not-applicable", "instance status Applied: members are removed one by one")
    ]


@pytest.mark.parametrize("ended_by", ["end date", "stop"])
async def test_apply_decisions_mode_end_to_end_applies_once_even_across_a_crash(
    graph: Any,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    store: StateStore,
    monkeypatch: pytest.MonkeyPatch,
    ended_by: str,
) -> None:
    """Auto-apply off: the round ends Completed, by its end date or stopped early (stop only
    completes it then), and cleanup's applyDecisions removes the denied guests. A worker killed
    before its checkpoint re-runs against an Applied instance: no second applyDecisions, no removal.

    https://learn.microsoft.com/graph/api/accessreviewinstance-stop?view=graph-rest-1.0
    https://learn.microsoft.com/graph/api/accessreviewinstance-applydecisions?view=graph-rest-1.0
    """
    denied = guests(emulator_state, 2, [FEELGOOD])
    (approved,) = guests(emulator_state, 1, [FEELGOOD], name="Kept")
    review = await start_round(graph, raw_client, auto_apply=False)
    await decide(
        raw_client, review.instances[FEELGOOD], {g.id: "Deny" for g in denied} | {approved.id: "Approve"}
    )
    instance = graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
        review.definition_id
    ).instances.by_access_review_instance_id(review.instances[FEELGOOD])
    if ended_by == "stop":
        await instance.stop.post()
    else:
        await raw_client.post("/_emulator/clock", json={"advance": "P15D"})
    ended = await instance.get()
    assert ended is not None
    assert ended.status == "Completed"
    assert all(member(emulator_state, FEELGOOD, g) for g in denied)  # nothing applied yet

    settings = CleanupSettings(max_denial_share=1.0, removal_mode="applyDecisions")

    async def killed(*args: Any, **kwargs: Any) -> None:
        raise asyncio.CancelledError  # the worker dies after every Graph write, before the checkpoint

    emulator_state.requests.clear()
    with monkeypatch.context() as patch:
        patch.setattr(store.reviews, "mark_instance_done", killed)
        with pytest.raises(asyncio.CancelledError):
            await run(graph, store, review.message(FEELGOOD), settings)
    applied = await instance.get()
    assert applied is not None
    assert applied.status == "Applied"
    assert not any(member(emulator_state, FEELGOOD, g) for g in denied)
    assert member(emulator_state, FEELGOOD, approved)

    result = await run(graph, store, review.message(FEELGOOD), settings)
    assert result.outcome is RoundOutcome.DONE
    assert result.actions == {"disable-account:disabled": 2, "remove-membership:already-removed": 2}
    ops = operations(emulator_state)
    assert ops[f"POST {INSTANCE_GET.removeprefix('GET ')}/applyDecisions"] == 1  # once, across both runs
    assert DELETE_MEMBER not in ops
    assert ops[PATCH_USER] == 2  # each account disabled once
    assert await store.reviews.instance_done(review.instances[FEELGOOD])
    apply = [
        r
        for r in await store.audit.list_audit(instance_id=review.instances[FEELGOOD])
        if (r.key or "").endswith("-apply")
    ]
    assert [(r.action, r.outcome) for r in apply] == [("apply-decisions", "applied")]  # the first run's


async def test_a_finished_round_re_run_reads_one_row_and_writes_nothing(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    _, review = await all_denied_round(graph, raw_client, emulator_state, 2)
    await run(graph, store, review.message(FEELGOOD))
    audit_before = await store.audit.list_audit(instance_id=review.instances[FEELGOOD])
    emulator_state.requests.clear()

    again = await run(graph, store, review.message(FEELGOOD))
    assert again.outcome is RoundOutcome.ALREADY_DONE
    assert emulator_state.requests.round_trips == 0
    assert await store.audit.list_audit(instance_id=review.instances[FEELGOOD]) == audit_before


async def test_a_run_killed_half_way_is_completed_by_the_re_run_with_nothing_done_twice(
    graph: Any,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    store: StateStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, review = await all_denied_round(graph, raw_client, emulator_state, 25)

    async def killed(*args: Any, **kwargs: Any) -> None:
        raise asyncio.CancelledError  # the worker dies after every Graph write, before the checkpoint

    with monkeypatch.context() as patch:
        patch.setattr(store.reviews, "mark_instance_done", killed)
        with pytest.raises(asyncio.CancelledError):
            await run(graph, store, review.message(FEELGOOD))
    writes_first = emulator_state.requests.writes
    result = await run(graph, store, review.message(FEELGOOD))

    assert emulator_state.requests.writes == writes_first  # the re-run found everything done
    assert result.actions == {"disable-account:disabled": 25, "remove-membership:removed": 25}
    assert operations(emulator_state)[DELETE_MEMBER] == 25
    assert operations(emulator_state)[PATCH_USER] == 25
    assert len(await store.disabled.disabled_before(NOW.replace(year=2027))) == 25
    assert await store.reviews.instance_done(review.instances[FEELGOOD])
    assert (
        len(await store.audit.list_audit(instance_id=review.instances[FEELGOOD])) == 51
    )  # 2 per guest + summary


async def test_a_failure_between_removal_and_disable_is_completed_on_retry(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    from graph_emulator.faults import FaultConfig, FaultRule

    denied, review = await all_denied_round(graph, raw_client, emulator_state, 3)
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=503, method="PATCH", path="^/users/")])
    )
    from shared.errors import Transient

    with pytest.raises(Transient):
        await clean_up_instance(
            cleanup_deps(graph, store, NO_GUARD, now=NOW, retry=RetryPolicy(max_attempts=1)),
            review.message(FEELGOOD),
        )
    assert not await store.reviews.instance_done(review.instances[FEELGOOD])
    assert all(not member(emulator_state, FEELGOOD, g) for g in denied)
    assert all(enabled(emulator_state, g) for g in denied)
    emulator_state.faults.configure(FaultConfig())

    result = await run(graph, store, review.message(FEELGOOD))
    assert result.actions == {
        "disable-account:disabled": 3,
        "remove-membership:removed": 3,
    }  # first outcome kept
    assert operations(emulator_state)[DELETE_MEMBER] == 3
    assert all(not enabled(emulator_state, g) for g in denied)


async def test_a_message_for_another_group_or_an_unfinished_round_is_refused_before_any_write(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    guests(emulator_state, 1, [FEELGOOD])
    review = await start_round(graph, raw_client, auto_apply=False)
    running = review.message(FEELGOOD)
    with pytest.raises(InvalidCleanupMessage, match="has not finished"):
        await run(graph, store, running)
    wrong = CleanupMessage(running.definition_id, running.instance_id, RETAIL)
    with pytest.raises(InvalidCleanupMessage, match="not the group"):
        await run(graph, store, wrong)
    assert emulator_state.requests.writes == 1  # the definition's creation only
