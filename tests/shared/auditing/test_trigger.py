"""``GET /api/audit`` through the real handler, on Azurite and the emulator: a guest onboarded
through the onboarding handler, by address and by id; a round cleaned up for real; what is known
without records; 404 when nothing is; no address in the answer or the logs; no Graph request."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
import httpx
import pytest

from graph_emulator import TenantState
from shared.auditing import trigger
from shared.cleanup.round import clean_up_instance
from shared.worker import LazyWorker, Worker
from tests.emulator.access_review_fixtures import add_guest
from tests.shared.cleanup.fixtures import FEELGOOD, NO_GUARD, cleanup_deps, finished_round, guests
from tests.shared.conftest import FAST_RETRIES, MEGAN, RETAIL, guest, handler, settings_env

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
EMAIL = re.compile(r"[A-Za-z0-9_.'+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+")


async def test_a_guest_just_onboarded_by_address_and_by_id(
    post: Any, read: Any, emulator_state: TenantState
) -> None:
    created = await post(guest("ada@fabrikam.com", groups=[FEELGOOD, RETAIL], sponsor=MEGAN))
    user_id = created.json["userId"]
    emulator_state.requests.clear()
    by_address = await read({"guest": " Ada@Fabrikam.COM "})
    assert (by_address.status, by_address.mimetype) == (200, "application/json")
    body = by_address.json
    assert set(body) == {"guestId", "facts", "count", "records"}
    assert body["guestId"] == user_id
    assert body["facts"]["denied"] is None
    assert body["facts"]["disabled"] is None
    assert body["facts"]["onboarded"]["at"].endswith("Z")
    assert body["count"] == len(body["records"]) == 4
    assert sorted((r["action"], r.get("groupId", "")) for r in body["records"]) == [
        ("onboarding.add-membership", FEELGOOD),
        ("onboarding.add-membership", RETAIL),
        ("onboarding.add-sponsor", ""),
        ("onboarding.invite", ""),
    ]
    sponsor = next(r for r in body["records"] if r["action"] == "onboarding.add-sponsor")
    assert sponsor["detail"] == {"sponsorId": MEGAN}  # a JSON detail is expanded
    assert "ada@" not in by_address.raw.decode().lower()  # the address asked about is never echoed
    by_id = await read({"guest": user_id.upper(), "code": "the-function-key"})
    assert by_id.json == body
    assert emulator_state.requests.round_trips == 0  # the state table only


async def test_an_onboarded_guest_then_offboarded_shows_both_flows_rows(
    post: Any, offboard: Any, read: Any, emulator_state: TenantState
) -> None:
    user_id = (await post(guest("ada@fabrikam.com", groups=[FEELGOOD]))).json["userId"]
    offboarded = await offboard({"email": "ada@fabrikam.com", "externalRef": "HR-7", "reason": "ended"})
    assert offboarded.status == 200
    emulator_state.requests.clear()
    body = (await read({"guest": "ada@fabrikam.com"})).json
    assert body["guestId"] == user_id
    assert body["facts"]["onboarded"] is not None
    assert body["facts"]["denied"]["instanceId"] == body["facts"]["disabled"]["instanceId"] == "offboarding"
    assert sorted((r["action"], r["outcome"]) for r in body["records"]) == [
        ("offboarding.disable-account", "disabled"),
        ("offboarding.guest", "disabled"),
        ("offboarding.remove-membership", "removed"),
        ("onboarding.add-membership", "added"),
        ("onboarding.invite", "invited"),
    ]
    summary = next(r for r in body["records"] if r["action"] == "offboarding.guest")
    assert summary["detail"]["externalRef"] == "HR-7"  # the summary's JSON detail is expanded
    assert emulator_state.requests.round_trips == 0


async def test_a_guest_only_offboarded_is_found_by_address_and_not_called_onboarded(
    offboard: Any, read: Any, emulator_state: TenantState
) -> None:
    """Offboarding's cool-down writes the address's record, dated as its denial: it finds the guest
    but is no onboarding."""
    contractor = add_guest(emulator_state, "Grace", groups=(FEELGOOD,))
    assert (await offboard({"email": contractor.mail})).status == 200
    body = (await read({"guest": contractor.mail})).json
    assert body["guestId"] == contractor.id
    assert body["facts"]["onboarded"] is None
    assert body["facts"]["denied"]["instanceId"] == "offboarding"
    assert {r["action"] for r in body["records"]} == {
        "offboarding.remove-membership",
        "offboarding.disable-account",
        "offboarding.guest",
    }


async def test_a_round_and_its_denied_guest_after_cleanup(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, worker: Worker, read: Any
) -> None:
    denied, kept = guests(emulator_state, 2, [FEELGOOD])
    review = await finished_round(
        graph, raw_client, {FEELGOOD: {denied.id: "Deny", kept.id: "Approve"}}, auto_apply=False
    )
    message = review.message(FEELGOOD)
    await clean_up_instance(cleanup_deps(graph, worker.store, NO_GUARD, now=NOW, retry=FAST_RETRIES), message)

    answer = await read({"round": message.instance_id.upper()})
    assert answer.status == 200
    body = answer.json
    assert set(body) == {"instanceId", "count", "records"}
    assert (body["instanceId"], body["count"]) == (message.instance_id, 3)
    summary = next(r for r in body["records"] if r["action"] == "round-summary")
    assert summary["detail"]["decisions"] == {"total": 2, "Approve": 1, "Deny": 1}

    about = (await read({"guest": denied.id})).json
    assert about["facts"]["onboarded"] is None  # never onboarded through Guestkeeper
    assert about["facts"]["denied"]["instanceId"] == message.instance_id
    assert about["facts"]["disabled"] == {"at": "2026-01-20T12:00:00Z", "instanceId": message.instance_id}
    assert {r["action"] for r in about["records"]} == {"remove-membership", "disable-account"}


async def test_a_guest_known_without_records_is_200_and_unknown_is_404(worker: Worker, read: Any) -> None:
    denied = str(uuid.uuid4())
    await worker.store.denials.record_denial(denied, "instance-1", NOW)
    known = await read({"guest": denied})
    assert known.status == 200
    assert (known.json["count"], known.json["records"]) == (0, [])
    assert known.json["facts"]["denied"] == {"at": "2026-01-20T12:00:00Z", "instanceId": "instance-1"}
    unknown = await read({"guest": str(uuid.uuid4())})
    assert (unknown.status, unknown.problem_type) == (404, "nothing-recorded")


async def test_logs_carry_ids_and_counts_never_the_address(
    post: Any, read: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = await post(guest("o'brien@fabrikam.com"))
    caplog.clear()
    assert (await read({"guest": "o'brien@fabrikam.com"})).status == 200
    assert (await read({"guest": "nobody@fabrikam.com"})).status == 404
    assert (await read({"guest": "not an address"})).status == 400
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert f"audit read: guest {created.json['userId']} (by address): 2 records" in text
    assert "read_audit answered 404 nothing-recorded" in text
    assert not EMAIL.findall(text)
    assert "brien" not in text
    assert "nobody" not in text


async def test_configuration_errors_are_500_naming_nothing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in settings_env():
        monkeypatch.delenv(name, raising=False)
    read_audit = handler(trigger.blueprint(LazyWorker().auditing), "read_audit")  # as function_app does
    request = func.HttpRequest(
        method="GET", url="http://localhost/api/audit", params={"round": NOW.isoformat()}, body=b""
    )
    response = await read_audit(request)
    assert response.status_code == 500
    assert b"configuration-error" in response.get_body()
