"""Invitations never redeemed, against the emulator (Graph) and Azurite (the state table): one
reminder, then expiry; request budgets from the emulator's request log.

Graph facts relied on: ``externalUserState`` is ``PendingAcceptance`` until the guest redeems and
supports ``$filter`` with ``eq`` (https://learn.microsoft.com/graph/api/resources/user); inviting an
address again sends the invitation e-mail again when ``sendInvitationMessage`` is true
(https://learn.microsoft.com/graph/api/invitation-post); ``DELETE /users/{id}`` keeps the user
restorable for 30 days (https://learn.microsoft.com/graph/api/user-delete).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import httpx
import pytest

from graph_emulator import FaultConfig, FaultRule, TenantState
from shared.errors import Forbidden, StateUnavailable
from shared.governance.deps import GovernanceDeps
from shared.governance.invitations import EXPIRE, REMIND, InvitationsResult, handle_pending_invitations
from shared.governance.run import run_pass
from shared.graph.batch import RetryPolicy
from shared.graph.pacing import SlidingWindowLimiter
from shared.graph.permissions import GOVERNANCE
from shared.outcomes import OutcomeKind
from shared.state import OnboardingRecord, StateStore, address_hash
from tests.emulator.access_review_fixtures import FEELGOOD, RETAIL, add_group
from tests.shared.conftest import make_settings
from tests.shared.governance.fixtures import governance_deps, invitation_of, invited_guest
from tests.shared.outcomes.fixtures import RecordedOutcomes

REMIND_DAYS, EXPIRE_DAYS = 7, 30
USERS = "GET /v1.0/users"
BATCH = "POST /v1.0/$batch"
INVITE = "POST /v1.0/invitations"
MEMBER_GROUPS = "POST /v1.0/users/{user_id}/getMemberGroups"
REMOVE_MEMBER = "DELETE /v1.0/groups/{group_id}/members/{member_id}/$ref"
DELETE_USER = "DELETE /v1.0/users/{user_id}"


class NoQueue:
    async def send(self, message: Any) -> None:
        raise AssertionError("no review round finishes in these tests")


@pytest.fixture
def outcomes() -> RecordedOutcomes:
    return RecordedOutcomes()


@pytest.fixture
def deps(graph, store: StateStore, emulator_state: TenantState, outcomes: RecordedOutcomes) -> GovernanceDeps:
    settings = make_settings(
        INVITE_REMIND_AFTER_DAYS=str(REMIND_DAYS), INVITE_EXPIRE_AFTER_DAYS=str(EXPIRE_DAYS)
    ).governance
    return governance_deps(graph, store, NoQueue(), settings, emulator_state, outcomes=outcomes)


async def run(deps: GovernanceDeps, *, dry_run: bool = False) -> InvitationsResult:
    return await handle_pending_invitations(deps, now=deps.clock(), dry_run=dry_run)


def routes(state: TenantState) -> tuple[dict[str, int], dict[str, int]]:
    summary = state.requests.summary()
    return dict(summary["byRoute"]), dict(summary["operationsByRoute"])


def outbox_for(state: TenantState, user_id: str) -> int:
    return sum(1 for mail in state.outbox if mail["invitedUserId"] == user_id)


async def test_both_settings_off_cost_no_request(graph, store, emulator_state, deps) -> None:
    await invited_guest(emulator_state, store, "late@fabrikam.com", days_ago=400)
    off = replace(deps, settings=make_settings().governance)
    emulator_state.requests.clear()
    result = await run(off)
    assert result == InvitationsResult()
    assert emulator_state.requests.round_trips == 0


async def test_a_guest_pending_past_the_reminder_age_gets_one_reminder(
    store: StateStore, emulator_state: TenantState, deps: GovernanceDeps
) -> None:
    late = await invited_guest(emulator_state, store, "late@fabrikam.com", days_ago=REMIND_DAYS + 1)
    fresh = await invited_guest(emulator_state, store, "fresh@fabrikam.com", days_ago=REMIND_DAYS - 1)
    emulator_state.requests.clear()

    result = await run(deps)

    assert (result.pending, result.reminded, result.expired) == (2, (late.id,), ())
    assert (outbox_for(emulator_state, late.id), outbox_for(emulator_state, fresh.id)) == (1, 0)
    assert routes(emulator_state) == ({USERS: 1, BATCH: 1}, {USERS: 1, INVITE: 1})
    [record] = await store.audit.list_audit(guest_id=late.id)
    assert (record.action, record.outcome) == (REMIND, "sent")
    assert emulator_state.directory.users[late.id].deleted is None

    emulator_state.requests.clear()
    again = await run(deps)
    assert again.reminded == ()  # once per pending period
    assert outbox_for(emulator_state, late.id) == 1
    assert routes(emulator_state) == ({USERS: 1}, {USERS: 1})


async def test_a_reset_invitation_starts_a_new_pending_period(
    store: StateStore, emulator_state: TenantState, deps: GovernanceDeps
) -> None:
    guest = await invited_guest(emulator_state, store, "late@fabrikam.com", days_ago=REMIND_DAYS + 1)
    assert (await run(deps)).reminded == (guest.id,)
    guest.external_user_state_change = emulator_state.clock.now() - dt.timedelta(days=REMIND_DAYS + 2)
    assert (await run(deps)).reminded == (guest.id,)
    assert outbox_for(emulator_state, guest.id) == 2


async def test_a_guest_offboarded_before_redeeming_gets_no_reminder_and_waits_for_its_grace(
    store: StateStore,
    emulator_state: TenantState,
    deps: GovernanceDeps,
    offboard: Any,
    outcomes: RecordedOutcomes,
) -> None:
    """Offboarding disabled it: a reminder would invite someone whose contract ended, and the expiry
    would delete it before ``deleteAfter``. A guest disabled by cleanup is left out the same way."""
    leaver = await invited_guest(emulator_state, store, "leaver@fabrikam.com", days_ago=EXPIRE_DAYS + 1)
    reply = await offboard({"email": "leaver@fabrikam.com"})
    assert (reply.status, reply.json["account"]) == (200, "disabled")
    sent = outbox_for(emulator_state, leaver.id)
    emulator_state.requests.clear()

    result = await run(deps)

    assert (result.pending, result.reminded, result.expired) == (0, (), ())
    assert emulator_state.requests.writes == 0
    assert outbox_for(emulator_state, leaver.id) == sent
    assert emulator_state.directory.users[leaver.id].deleted is None
    assert outcomes.outcomes == []
    assert await store.disabled.disabled_since([leaver.id])  # the grace deletion's to take


async def test_guests_others_invited_or_that_redeemed_are_left_alone(
    store: StateStore, emulator_state: TenantState, deps: GovernanceDeps, raw_client: httpx.AsyncClient
) -> None:
    others = await invited_guest(emulator_state, store, "theirs@fabrikam.com", days_ago=400, onboarded=False)
    redeemed = await invited_guest(emulator_state, store, "redeemed@fabrikam.com", days_ago=400)
    answer = await raw_client.post(
        f"/_emulator/invitations/{invitation_of(emulator_state, redeemed.id)}/redeem"
    )
    assert answer.json()["externalUserState"] == "Accepted"
    moved = await invited_guest(emulator_state, store, "moved@fabrikam.com", days_ago=400, onboarded=False)
    record = OnboardingRecord(
        address_hash("moved@fabrikam.com"), "another-guest-id", emulator_state.clock.now()
    )
    await store.onboarding.create_onboarding(record)  # the address once became someone else
    emulator_state.requests.clear()

    result = await run(deps)

    assert result.pending == 0
    assert emulator_state.requests.writes == 0
    assert all(emulator_state.directory.users[u.id].deleted is None for u in (others, redeemed, moved))
    assert await store.audit.list_audit() == []


async def test_an_expired_invitation_leaves_the_managed_groups_and_the_guest_is_deleted(
    store: StateStore, emulator_state: TenantState, deps: GovernanceDeps, outcomes: RecordedOutcomes
) -> None:
    guest = await invited_guest(
        emulator_state,
        store,
        "gone@fabrikam.com",
        days_ago=EXPIRE_DAYS + 1,
        groups=(FEELGOOD, RETAIL),
        ref="HR-2002",
    )
    emulator_state.requests.clear()

    result = await run(deps)

    assert (result.expired, result.kept, result.reminded) == ((guest.id,), (), ())
    assert emulator_state.directory.users[guest.id].deleted is not None  # soft-deleted: restorable
    for group in (FEELGOOD, RETAIL):
        assert guest.id not in emulator_state.directory.groups[group].members
    by_route, operations = routes(emulator_state)
    assert by_route == {USERS: 1, BATCH: 3}  # look-ups, removals, deletions: one $batch each
    assert operations == {USERS: 1, MEMBER_GROUPS: 1, REMOVE_MEMBER: 2, DELETE_USER: 1}
    [record] = await store.audit.list_audit(guest_id=guest.id)
    assert (record.action, record.outcome) == (EXPIRE, "deleted")
    assert record.detail == "removed from 2 managed group(s), deleted"
    [expired] = outcomes.of(OutcomeKind.INVITATION_EXPIRED)
    assert (expired.user_id, expired.external_ref, expired.data["accountDeleted"]) == (
        guest.id,
        "HR-2002",
        True,
    )

    emulator_state.requests.clear()
    later = await run(deps)
    assert later.pending == 0
    assert emulator_state.requests.writes == 0
    assert await store.invitations.marks() == {}  # nothing left to remember
    assert len(outcomes.outcomes) == 1


async def test_groups_guestkeeper_does_not_manage_keep_the_account(
    store: StateStore, emulator_state: TenantState, deps: GovernanceDeps, outcomes: RecordedOutcomes
) -> None:
    extranet = add_group(emulator_state, "Partner Extranet")  # not in ONBOARDING_ALLOWED_GROUP_IDS
    guest = await invited_guest(
        emulator_state, store, "kept@fabrikam.com", days_ago=EXPIRE_DAYS + 1, groups=(FEELGOOD, extranet.id)
    )

    result = await run(deps)

    assert (result.expired, result.kept) == ((), (guest.id,))
    assert emulator_state.directory.users[guest.id].deleted is None
    assert guest.id not in emulator_state.directory.groups[FEELGOOD].members
    assert guest.id in extranet.members
    [record] = await store.audit.list_audit(guest_id=guest.id)
    assert (record.outcome, record.detail) == (
        "kept-other-groups",
        "removed from 1 managed group(s); 1 other group(s) keep the account",
    )
    [expired] = outcomes.of(OutcomeKind.INVITATION_EXPIRED)
    assert expired.data["accountDeleted"] is False

    emulator_state.requests.clear()
    again = await run(deps)  # still pending, but its expiry is done
    assert (again.pending, again.kept) == (1, ())
    assert emulator_state.requests.round_trips == 1
    assert len(outcomes.outcomes) == 1


async def test_a_dry_run_reads_and_writes_nothing(
    store: StateStore, emulator_state: TenantState, deps: GovernanceDeps, outcomes: RecordedOutcomes
) -> None:
    late = await invited_guest(emulator_state, store, "late@fabrikam.com", days_ago=REMIND_DAYS + 1)
    gone = await invited_guest(emulator_state, store, "gone@fabrikam.com", days_ago=EXPIRE_DAYS + 1)
    emulator_state.requests.clear()

    result = await run(deps, dry_run=True)

    assert (result.reminded, result.expired, result.dry_run) == ((late.id,), (gone.id,), True)
    assert emulator_state.requests.writes == 0
    assert emulator_state.outbox == []
    assert emulator_state.directory.users[gone.id].deleted is None
    assert await store.audit.list_audit() == []
    assert await store.invitations.marks() == {}
    assert outcomes.outcomes == []


async def test_an_expiry_cut_off_after_its_writes_is_completed_by_the_next_pass(
    store: StateStore,
    emulator_state: TenantState,
    deps: GovernanceDeps,
    outcomes: RecordedOutcomes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guest = await invited_guest(
        emulator_state, store, "gone@fabrikam.com", days_ago=EXPIRE_DAYS + 1, ref="HR-3003"
    )

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise StateUnavailable("state table unavailable: ServiceRequestError")

    monkeypatch.setattr(store.audit, "record_audit_once", crash)
    with pytest.raises(StateUnavailable):
        await run(deps)
    monkeypatch.undo()
    assert emulator_state.directory.users[guest.id].deleted is not None  # the writes were made
    assert await store.audit.list_audit() == []
    assert outcomes.outcomes == []

    result = await run(deps)  # the guest has left the pending list; its mark remembers the expiry

    assert result.expired == (guest.id,)
    [record] = await store.audit.list_audit(guest_id=guest.id)
    assert (record.outcome, record.detail) == ("deleted", "deleted by an earlier pass that was cut off")
    [expired] = outcomes.of(OutcomeKind.INVITATION_EXPIRED)
    assert expired.user_id == guest.id  # HR's reference is completed on delivery (onboarding record)
    assert await store.invitations.marks() == {}


async def test_a_failed_removal_keeps_the_guest_for_the_next_pass(
    store: StateStore, emulator_state: TenantState, deps: GovernanceDeps
) -> None:
    guest = await invited_guest(emulator_state, store, "gone@fabrikam.com", days_ago=EXPIRE_DAYS + 1)
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=503, method="DELETE", path="^/groups/")])
    )
    once = replace(deps, retry=RetryPolicy(max_attempts=1))

    failed = await run(once)

    assert failed.expire_failed == (guest.id,)
    assert emulator_state.directory.users[guest.id].deleted is None  # never deleted while in a group
    emulator_state.faults.configure(FaultConfig())
    assert (await run(once)).expired == (guest.id,)
    outcomes = sorted(r.outcome for r in await store.audit.list_audit(guest_id=guest.id))
    assert outcomes == ["deleted", "failed"]


async def test_reminders_are_paced_by_the_invitation_pacer(
    store: StateStore, emulator_state: TenantState, deps: GovernanceDeps
) -> None:
    guests = [
        await invited_guest(emulator_state, store, f"late{n}@fabrikam.com", days_ago=REMIND_DAYS + 1)
        for n in range(25)
    ]
    pacer = SlidingWindowLimiter(limit=10, window=0.3)  # Graph's is 150 per 5 s: the same shape, faster
    emulator_state.requests.clear()

    result = await run(replace(deps, pacer=pacer))

    assert set(result.reminded) == {g.id for g in guests}
    assert routes(emulator_state)[0] == {USERS: 1, BATCH: 3}  # windows of 10: batches of 10, 10, 5
    assert pacer.waited > 0


@pytest.mark.parametrize(
    ("missing", "days"),
    [
        ("User.Invite.All", REMIND_DAYS + 1),
        ("GroupMember.ReadWrite.All", EXPIRE_DAYS + 1),
        ("User.DeleteRestore.All", EXPIRE_DAYS + 1),
        ("User.Read.All", REMIND_DAYS + 1),
    ],
)
async def test_each_permission_is_needed(
    make_graph, store: StateStore, emulator_state: TenantState, deps: GovernanceDeps, missing: str, days: int
) -> None:
    await invited_guest(emulator_state, store, "late@fabrikam.com", days_ago=days)
    narrow = replace(deps, graph=make_graph(roles=[p for p in GOVERNANCE if p != missing]))
    with pytest.raises(Forbidden):
        await run(narrow)


async def test_the_documented_permissions_suffice(
    make_graph, store: StateStore, emulator_state: TenantState, deps: GovernanceDeps
) -> None:
    late = await invited_guest(emulator_state, store, "late@fabrikam.com", days_ago=REMIND_DAYS + 1)
    gone = await invited_guest(emulator_state, store, "gone@fabrikam.com", days_ago=EXPIRE_DAYS + 1)
    exact = replace(deps, graph=make_graph(roles=list(GOVERNANCE)))
    result = await run(exact)
    assert (result.reminded, result.expired) == ((late.id,), (gone.id,))


async def test_a_whole_pass_adds_one_list_request_when_nothing_is_due(
    store: StateStore, emulator_state: TenantState, deps: GovernanceDeps
) -> None:
    await run_pass(deps)  # creates the review definition
    await invited_guest(emulator_state, store, "fresh@fabrikam.com", days_ago=1)
    emulator_state.requests.clear()
    report = await run_pass(deps)
    assert report.invitations.pending == 1
    assert routes(emulator_state)[0] == {
        "GET /v1.0/identityGovernance/accessReviews/definitions": 1,
        USERS: 1,
    }
    assert report.summary()["pendingInvitations"] == 1
