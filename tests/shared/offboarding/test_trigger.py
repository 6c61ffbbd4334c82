"""The offboarding HTTP handlers as the worker indexes them, called with real signed ``func.HttpRequest``
objects, against the in-process emulator and Azurite tables: what HR gets back, what Graph shows
after, what the state table remembers, and the Graph round trips each path costs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_emulator import FaultConfig, FaultRule, TenantState
from shared.governance.grace import delete_expired_guests
from shared.state import OFFBOARDING, StateStore, address_hash
from shared.worker import Worker
from tests.shared.conftest import FEELGOOD, RETAIL, SALES, guest, make_settings
from tests.shared.offboarding.fixtures import (
    DISABLE,
    GROUPS_OF,
    MANAGED,
    REMOVE,
    SEARCH,
    contractor,
    leaving,
    operations,
    statuses,
    unmanaged_group,
)

GRACE = timedelta(days=30)  # GUEST_DELETE_GRACE_DAYS's default


def close_to(value: str, expected: datetime) -> bool:
    return abs(datetime.fromisoformat(value) - expected) < timedelta(minutes=1)


async def test_an_onboarded_guest_leaves_its_groups_is_disabled_dated_and_cooled_down(
    post: Any, offboard: Any, emulator_state: TenantState, store: StateStore
) -> None:
    onboarded = await post(guest(groups=[FEELGOOD, RETAIL]))
    assert onboarded.status == 201
    user_id = onboarded.json["userId"]
    emulator_state.requests.clear()

    reply = await offboard(leaving("Ada@Fabrikam.com", externalRef="HR-7", reason="contract ended"))

    assert reply.status == 200
    assert reply.mimetype == "application/json"
    body = reply.json
    assert body["userId"] == user_id
    assert statuses(body) == dict.fromkeys(MANAGED, "notMember") | {FEELGOOD: "removed", RETAIL: "removed"}
    assert [g["groupId"] for g in body["groups"]] == MANAGED  # every managed group, in id order
    assert (body["account"], body["cooldown"], body["dryRun"], body["externalRef"]) == (
        "disabled",
        True,
        False,
        "HR-7",
    )
    assert close_to(body["deleteAfter"], datetime.now(UTC) + GRACE)
    user = emulator_state.directory.users[user_id]
    assert user.account_enabled is False
    assert all(user_id not in emulator_state.directory.groups[g].members for g in (FEELGOOD, RETAIL))
    # search, groups, removals, disable: one $batch each
    assert emulator_state.requests.round_trips == 4
    assert operations(emulator_state) == {SEARCH: 1, GROUPS_OF: 1, REMOVE: 2, DISABLE: 1}
    since = await store.disabled.disabled_since([user_id])
    assert datetime.fromisoformat(body["deleteAfter"]) == since[user_id] + GRACE
    denial = await store.denials.latest_denial(user_id)
    assert denial is not None
    assert denial.by_offboarding

    again = await post(guest(groups=[FEELGOOD]))  # HR re-onboards too soon: the cool-down refuses
    assert (again.status, again.problem_type) == (409, "guest-recently-denied")
    assert again.json["detail"].startswith("An HR offboarding ended this guest on")


async def test_a_guest_never_onboarded_is_found_by_any_of_its_addresses(
    offboard: Any, emulator_state: TenantState, store: StateStore
) -> None:
    """``otherMails`` counts, an apostrophe is escaped, case does not matter."""
    brien = contractor(emulator_state, "Obrien", SALES, other_mails=("O'Brien@Partners.example",))
    reply = await offboard(leaving("o'brien@partners.example"))
    assert reply.status == 200, reply.json
    assert reply.json["userId"] == brien.id
    assert statuses(reply.json)[SALES] == "removed"
    assert reply.json["account"] == "disabled"
    # the cool-down now finds the guest from its address, as onboarding looks it up
    record = await store.onboarding.get_onboarding(address_hash("o'brien@partners.example"))
    assert record is not None
    assert record.guest_id == brien.id


async def test_a_guest_with_access_outside_the_managed_groups_keeps_its_account(
    offboard: Any, emulator_state: TenantState, store: StateStore
) -> None:
    extranet = unmanaged_group(emulator_state)
    kept = contractor(emulator_state, "Keepley", FEELGOOD, extranet)
    emulator_state.requests.clear()
    reply = await offboard(leaving(kept.mail))
    assert reply.status == 200
    assert statuses(reply.json)[FEELGOOD] == "removed"
    assert (reply.json["account"], reply.json["deleteAfter"]) == ("keptOtherAccess", None)
    assert kept.account_enabled is not False
    assert kept.id in emulator_state.directory.groups[extranet].members  # not a managed group
    assert kept.id not in emulator_state.directory.groups[FEELGOOD].members
    assert emulator_state.requests.round_trips == 3  # nothing to disable
    assert await store.disabled.disabled_since([kept.id]) == {}


async def test_offboarding_again_changes_nothing_and_answers_the_same_dates(
    offboard: Any, emulator_state: TenantState
) -> None:
    leaver = contractor(emulator_state, "Twice", FEELGOOD)
    first = await offboard(leaving(leaver.mail))
    emulator_state.requests.clear()
    second = await offboard(leaving(leaver.mail))  # a new event for the same guest
    assert second.status == 200
    assert set(statuses(second.json).values()) == {"notMember"}
    assert second.json["account"] == "alreadyDisabled"
    assert second.json["deleteAfter"] == first.json["deleteAfter"]  # the first disabled date is kept
    assert emulator_state.requests.round_trips == 2  # search and groups: reads only
    assert emulator_state.requests.writes == 0


async def test_addresses_that_are_no_guest_or_several_are_refused_without_writes(
    offboard: Any, emulator_state: TenantState
) -> None:
    contractor(emulator_state, "Twin", FEELGOOD)
    contractor(emulator_state, "Other", RETAIL, other_mails=("twin@example.net",))
    cases = {
        "nobody@fabrikam.com": (404, "guest-not-found"),
        "MeganB@contoso.onmicrosoft.com": (404, "guest-not-found"),  # an internal user: not a guest
        "twin@example.net": (409, "guest-ambiguous"),
    }
    for address, expected in cases.items():
        reply = await offboard(leaving(address))
        assert (reply.status, reply.problem_type) == expected, address
        assert reply.json["errors"] == [{"field": "email", "message": reply.json["errors"][0]["message"]}]
        assert address.lower() not in json.dumps(reply.json).lower()  # never echoed
    ambiguous = await offboard(leaving("twin@example.net"))
    assert len(ambiguous.json["guestIds"]) == 2
    assert emulator_state.requests.writes == 0


async def test_without_the_cooldown_the_guest_can_be_onboarded_again_at_once(
    post: Any, offboard: Any, store: StateStore
) -> None:
    onboarded = await post(guest())
    reply = await offboard(leaving("ada@fabrikam.com", cooldown=False))
    assert (reply.status, reply.json["cooldown"]) == (200, False)
    assert await store.denials.latest_denial(onboarded.json["userId"]) is None
    assert (await post(guest())).status == 200


async def test_a_dry_run_answers_and_audits_what_would_change_and_writes_nothing_else(
    offboard: Any, worker: Worker, emulator_state: TenantState, store: StateStore, settings: Any
) -> None:
    worker.settings = make_settings(
        AzureWebJobsStorage=settings.storage.connection_string.reveal(),
        STATE_TABLE_NAME=settings.storage.table_name,
        OFFBOARDING_DRY_RUN="true",
    )
    leaver = contractor(emulator_state, "Drysdale", FEELGOOD)
    emulator_state.requests.clear()
    reply = await offboard(leaving(leaver.mail))
    assert reply.status == 200
    assert reply.json["dryRun"] is True
    assert statuses(reply.json)[FEELGOOD] == "removed"  # would be
    assert reply.json["account"] == "disabled"
    assert close_to(reply.json["deleteAfter"], datetime.now(UTC) + GRACE)
    assert emulator_state.requests.writes == 0
    assert emulator_state.requests.round_trips == 2
    assert leaver.id in emulator_state.directory.groups[FEELGOOD].members
    assert await store.denials.latest_denial(leaver.id) is None
    assert await store.disabled.disabled_since([leaver.id]) == {}
    audit = await store.audit.list_audit(guest_id=leaver.id)
    assert {r.outcome for r in audit} == {"dry-run"}


async def test_an_offboarded_guest_is_deleted_by_the_grace_pass_once_its_date_has_come(
    offboard: Any, emulator_state: TenantState, store: StateStore, graph: Any
) -> None:
    leaver = contractor(emulator_state, "Gracewell", FEELGOOD)
    reply = await offboard(leaving(leaver.mail))
    delete_after = datetime.fromisoformat(reply.json["deleteAfter"])
    early = await delete_expired_guests(
        graph, store.disabled, store.audit, now=delete_after - timedelta(minutes=1), grace_days=30
    )
    assert early.candidates == 0
    due = await delete_expired_guests(
        graph, store.disabled, store.audit, now=delete_after + timedelta(minutes=1), grace_days=30
    )
    assert due.deleted == (leaver.id,)
    assert leaver.id not in {u.id for u in emulator_state.directory.live_users()}
    [deleted] = [r for r in await store.audit.list_audit(guest_id=leaver.id) if r.action == "guest-delete"]
    assert deleted.instance_id == OFFBOARDING


async def test_bulk_reports_each_guest_on_its_own(offboard: Any, emulator_state: TenantState) -> None:
    first = contractor(emulator_state, "Bulkfirst", FEELGOOD)
    second = contractor(emulator_state, "Bulksecond", RETAIL, SALES)
    body = {
        "guests": [
            leaving(first.mail, externalRef="HR-1"),
            leaving("nobody@fabrikam.com", externalRef="HR-2"),
            leaving(second.mail),
            leaving("not an address"),
            leaving(str(first.mail).upper()),
        ]
    }
    emulator_state.requests.clear()
    reply = await offboard(body, bulk=True)
    assert reply.status == 207
    results = reply.json["results"]
    assert [r["status"] for r in results] == [200, 404, 200, 422, 422]
    assert [r.get("externalRef") for r in results[:2]] == ["HR-1", "HR-2"]
    assert results[0]["guest"]["userId"] == first.id
    assert statuses(results[2]["guest"])[SALES] == "removed"
    assert results[4]["problem"]["errors"] == [
        {"field": "guests[4].email", "message": "repeats the address of guests[0]"}
    ]
    assert reply.json["summary"] == {"total": 5, "offboarded": 2, "refused": 3, "failed": 0}
    assert emulator_state.requests.round_trips == 4  # each step one $batch for all the guests


async def test_graph_failing_mid_way_is_503_and_the_retry_of_the_same_delivery_completes_it(
    offboard: Any, emulator_state: TenantState, store: StateStore
) -> None:
    leaver = contractor(emulator_state, "Retriever", FEELGOOD, RETAIL)
    emulator_state.faults.configure(FaultConfig(rules=[FaultRule(status=503, method="PATCH", retry_after=0)]))
    body = json.dumps(leaving(leaver.mail, reason="contract ended")).encode()
    failed = await offboard(None, raw=body, webhook_id="msg_hr_offboard_1")
    assert (failed.status, failed.problem_type) == (503, "graph-unavailable")
    assert failed.headers["Retry-After"]
    assert leaver.id not in emulator_state.directory.groups[FEELGOOD].members  # removed before the disable
    assert leaver.account_enabled is not False

    emulator_state.faults.configure(FaultConfig())
    retried = await offboard(None, raw=body, webhook_id="msg_hr_offboard_1")  # released: same id again
    assert retried.status == 200
    assert statuses(retried.json)[FEELGOOD] == statuses(retried.json)[RETAIL] == "removed"  # by the 1st
    assert retried.json["account"] == "disabled"
    audit = await store.audit.list_audit(guest_id=leaver.id)
    assert sorted((r.action, r.outcome, r.group_id) for r in audit) == sorted(
        [
            ("offboarding.remove-membership", "removed", FEELGOOD),
            ("offboarding.remove-membership", "removed", RETAIL),
            ("offboarding.disable-account", "disabled", None),
            ("offboarding.guest", "disabled", None),
        ]
    )
    [summary] = [r for r in audit if r.action == "offboarding.guest"]
    assert summary.detail is not None
    detail = json.loads(summary.detail)
    assert (detail["reason"], detail["groupsRemoved"], detail["cooldown"]) == ("contract ended", 2, True)
    replay = await offboard(None, raw=body, webhook_id="msg_hr_offboard_1")
    assert (replay.status, replay.problem_type) == (409, "webhook-replayed")
