"""Onboarding's audit rows on Azurite: each change once, under keys a retried delivery cannot
duplicate, written in bulk (one transaction per 100 rows, never a table request per guest)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables.aio import TableClient

from graph_emulator import FaultConfig, FaultRule
from shared.graph.batch import RetryPolicy
from shared.onboarding.gateway import DirectoryGateway
from shared.onboarding.onboard import onboard_guests
from shared.onboarding.validation import parse_bulk_request
from shared.state import AuditRecord
from shared.worker import Worker
from tests.shared.conftest import FEELGOOD, MEGAN, RETAIL, SALES, UNIFIED, guest, signed_headers

TABLE_CALLS = ("create_entity", "get_entity", "submit_transaction", "upsert_entity", "query_entities")


@pytest.fixture
def table_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Requests the state table receives, by method (every store shares the SDK's TableClient)."""
    calls: Counter[str] = Counter()
    for name in TABLE_CALLS:
        original = getattr(TableClient, name)

        def counted(
            self: TableClient, *args: Any, _name: str = name, _original: Any = original, **kw: Any
        ) -> Any:
            calls[_name] += 1
            return _original(self, *args, **kw)

        monkeypatch.setattr(TableClient, name, counted)
    return calls


def rows(records: list[AuditRecord]) -> set[tuple[str, str, str | None, str | None]]:
    return {(r.action, r.outcome, r.group_id, r.detail) for r in records}


async def test_a_new_guest_is_audited_change_by_change(post: Any, worker: Worker) -> None:
    created = await post(guest(groups=[FEELGOOD, RETAIL], sponsor=MEGAN))
    assert created.status == 201
    user_id = created.json["userId"]
    first = await worker.store.audit.list_audit(guest_id=user_id)
    assert rows(first) == {
        ("onboarding.invite", "invited", None, '{"invitationStatus":"PendingAcceptance"}'),
        ("onboarding.add-membership", "added", FEELGOOD, None),
        ("onboarding.add-membership", "added", RETAIL, None),
        ("onboarding.add-sponsor", "added", None, json.dumps({"sponsorId": MEGAN}, separators=(",", ":"))),
    }
    assert all(r.key and r.key.startswith(f"onboarding-{user_id}-") for r in first)

    again = await post(guest(groups=[FEELGOOD, RETAIL, SALES], sponsor=MEGAN))  # a new delivery
    assert again.status == 200
    later = await worker.store.audit.list_audit(guest_id=user_id)
    assert rows(later) - rows(first) == {("onboarding.add-membership", "added", SALES, None)}
    assert len(later) == len(first) + 1  # nothing it found in place: no second invite, no alreadyMember


async def test_a_retried_delivery_writes_no_row_twice(post: Any, worker: Worker, emulator_state: Any) -> None:
    worker.gateway = DirectoryGateway(policy=RetryPolicy(max_attempts=2))
    rule = FaultRule(status=429, method="POST", path=f"^/groups/{RETAIL}/members", retry_after=1)
    emulator_state.faults.configure(FaultConfig(rules=[rule]))
    body = json.dumps(guest(groups=[FEELGOOD, RETAIL])).encode()
    headers = signed_headers(body, webhook_id="msg_retried")
    incomplete = await post(None, raw=body, headers=headers)
    assert (incomplete.status, incomplete.problem_type) == (503, "onboarding-incomplete")
    user_id = incomplete.json["guest"]["userId"]
    audited = await worker.store.audit.list_audit(guest_id=user_id)
    assert {(r.action, r.group_id) for r in audited} == {
        ("onboarding.invite", None),  # what the first attempt changed is audited
        ("onboarding.add-membership", FEELGOOD),
    }

    emulator_state.faults.configure(FaultConfig())
    completed = await post(None, raw=body, headers=headers)  # the sender's retry: the same webhook-id
    assert completed.status == 201
    replayed = await post(None, raw=body, headers=headers)
    assert replayed.status == 409
    audited = await worker.store.audit.list_audit(guest_id=user_id)
    assert sorted((r.action, r.group_id or "") for r in audited) == [
        ("onboarding.add-membership", FEELGOOD),
        ("onboarding.add-membership", RETAIL),
        ("onboarding.invite", ""),
    ]


async def test_an_override_is_audited_before_any_write_and_once_per_delivery(
    post: Any, worker: Worker, emulator_state: Any
) -> None:
    first = await post(guest())
    user_id = first.json["userId"]
    await worker.store.denials.record_denial(user_id, "instance-7", datetime.now(UTC) - timedelta(days=3))
    worker.gateway = DirectoryGateway(policy=RetryPolicy(max_attempts=2))
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=503, method="POST", path="^/invitations", retry_after=1)])
    )
    body = json.dumps(guest(override={"reason": "Contract renewed"})).encode()
    headers = signed_headers(body, webhook_id="msg_override")
    failed = await post(None, raw=body, headers=headers)
    assert (failed.status, failed.problem_type) == (503, "graph-unavailable")
    emulator_state.faults.configure(FaultConfig())
    assert (await post(None, raw=body, headers=headers)).status == 200
    overrides = [
        r for r in await worker.store.audit.list_audit(guest_id=user_id) if r.action.endswith("override")
    ]
    assert [(r.outcome, r.instance_id, r.detail) for r in overrides] == [
        ("accepted", "instance-7", "Contract renewed")
    ]


async def test_refused_guests_write_nothing(post: Any, worker: Worker) -> None:
    payload = {
        "guests": [
            guest("kept@fabrikam.com"),
            guest("two@blocked.example"),
            {"email": "three@fabrikam.com"},
            guest("four@fabrikam.com", groups=[str(uuid.UUID(int=4))]),
        ]
    }
    reply = await post(payload, bulk=True)
    assert [r["status"] for r in reply.json["results"]] == [201, 403, 422, 403]
    audited = await worker.store.audit.list_audit()
    assert {r.guest_id for r in audited} == {reply.json["results"][0]["guest"]["userId"]}


async def test_bulk_rows_go_in_transactions_of_100(
    worker: Worker, emulator_state: Any, table_calls: Counter[str]
) -> None:
    n = 120  # 120 invitations + 120 memberships: 240 rows, 3 transactions
    payload = {"guests": [guest(f"bulk{i}@fabrikam.com", groups=[UNIFIED[i % 3]]) for i in range(n)]}
    parsed = parse_bulk_request(payload, max_guests=200)
    outcome = await onboard_guests(worker.onboarding(), parsed, delivery="msg_bulk")
    assert all(item.result is not None and item.result.created for item in outcome.items)
    assert table_calls["submit_transaction"] == 3
    # per guest only what onboarding did before: the cool-down read and the onboarding record
    assert (table_calls["get_entity"], table_calls["create_entity"]) == (n, n)
    assert len(await worker.store.audit.list_audit()) == 2 * n

    table_calls.clear()
    again = await onboard_guests(worker.onboarding(), parsed, delivery="msg_bulk_again")
    assert all(item.result is not None and not item.result.created for item in again.items)
    assert table_calls["submit_transaction"] == 0  # nothing changed, nothing written
