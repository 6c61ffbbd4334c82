"""The HTTP handlers as the worker indexes them, called with real ``func.HttpRequest`` objects signed
with ``standardwebhooks``, against the in-process emulator and Azurite tables."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graph_emulator import FaultConfig, FaultRule
from shared.graph.batch import RetryPolicy
from shared.onboarding import trigger
from shared.onboarding.gateway import DirectoryGateway
from shared.worker import LazyWorker, Worker
from tests.shared.conftest import (
    FEELGOOD,
    MEGAN,
    RETAIL,
    SALES,
    SECRET,
    call,
    guest,
    handler,
    settings_env,
    signed_headers,
)

EMAIL = re.compile(r"[A-Za-z0-9_.'+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+")


async def test_new_guest_is_201_then_200(post: Any, emulator_state: Any) -> None:
    first = await post(guest(groups=[FEELGOOD, RETAIL], sponsor=MEGAN, externalRef="HR-42"))
    assert first.status == 201
    assert first.mimetype == "application/json"
    body = first.json
    assert body["created"] is True
    assert body["externalRef"] == "HR-42"
    assert body["invitationStatus"] == "PendingAcceptance"
    assert body["inviteRedeemUrl"].startswith("https://login.microsoftonline.com/redeem")
    assert body["groups"] == [
        {"groupId": FEELGOOD, "status": "added"},
        {"groupId": RETAIL, "status": "added"},
    ]
    assert body["sponsor"] == {"sponsorId": MEGAN, "status": "added"}
    second = await post(guest(groups=[FEELGOOD, RETAIL], sponsor=MEGAN))
    assert second.status == 200
    assert second.json["userId"] == body["userId"]
    assert {g["status"] for g in second.json["groups"]} == {"alreadyMember"}
    assert second.json["sponsor"]["status"] == "alreadySponsor"


async def test_warm_worker_request_counts(post: Any, emulator_state: Any) -> None:
    await post(guest("warmup@fabrikam.com", groups=[FEELGOOD, RETAIL, SALES], sponsor=MEGAN))
    emulator_state.requests.clear()
    new = await post(guest(groups=[FEELGOOD, RETAIL, SALES], sponsor=MEGAN))
    assert new.status == 201
    assert emulator_state.requests.round_trips == 2
    emulator_state.requests.clear()
    existing = await post(guest(groups=[FEELGOOD, RETAIL, SALES], sponsor=MEGAN))
    assert existing.status == 200
    assert emulator_state.requests.round_trips == 2
    assert emulator_state.requests.summary()["byRoute"] == {"POST /v1.0/$batch": 2}


async def test_ten_concurrent_duplicate_deliveries(post: Any, emulator_state: Any) -> None:
    before = {g: len(emulator_state.directory.groups[g].members) for g in (FEELGOOD, RETAIL)}
    users_before = len(emulator_state.directory.users)
    replies = await asyncio.gather(
        *(post(guest(groups=[FEELGOOD, RETAIL], sponsor=MEGAN)) for _ in range(10))
    )
    assert sorted(r.status for r in replies) == [200] * 9 + [201]
    assert len({r.json["userId"] for r in replies}) == 1
    assert len(emulator_state.directory.users) == users_before + 1
    for group_id, count in before.items():
        assert len(emulator_state.directory.groups[group_id].members) == count + 1
    user = emulator_state.directory.users[replies[0].json["userId"]]
    assert user.sponsors == [MEGAN]
    member_adds = [e for e in emulator_state.requests.entries if e.inner and e.path.endswith("/members/$ref")]
    assert sum(1 for e in member_adds if e.status == 204) == 2


async def test_same_webhook_id_is_a_replay_but_a_transient_failure_releases_it(
    post: Any, worker: Worker, emulator_state: Any
) -> None:
    worker.gateway = DirectoryGateway(policy=RetryPolicy(max_attempts=2))
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=503, method="POST", path="^/invitations", retry_after=1)])
    )
    body = json.dumps(guest()).encode()
    headers = signed_headers(body, webhook_id="msg_retry_me")
    failed = await post(None, raw=body, headers=headers)
    assert failed.status == 503
    assert failed.problem_type == "graph-unavailable"
    assert failed.headers["Retry-After"] == "1"
    assert emulator_state.requests.writes == 0
    emulator_state.faults.configure(FaultConfig())
    completed = await post(None, raw=body, headers=headers)
    assert completed.status == 201
    replayed = await post(None, raw=body, headers=headers)
    assert (replayed.status, replayed.problem_type) == (409, "webhook-replayed")
    # a sender that lost the 201 learns the first delivery succeeded
    assert "already processed (it succeeded)" in replayed.json["detail"]


async def test_replication_delay_through_the_handler(post: Any, emulator_state: Any) -> None:
    emulator_state.faults.configure(FaultConfig(replication_delay_s=0.4))
    reply = await post(guest(groups=[FEELGOOD, RETAIL]))
    assert reply.status == 201
    assert {g["status"] for g in reply.json["groups"]} == {"added"}


async def test_membership_writes_still_failing_are_503_with_the_partial_result(
    post: Any, worker: Worker, emulator_state: Any
) -> None:
    worker.gateway = DirectoryGateway(policy=RetryPolicy(max_attempts=2))
    rule = FaultRule(status=429, method="POST", path=f"^/groups/{RETAIL}/members", retry_after=1)
    emulator_state.faults.configure(FaultConfig(rules=[rule]))
    reply = await post(guest(groups=[FEELGOOD, RETAIL]))
    assert (reply.status, reply.problem_type) == (503, "onboarding-incomplete")
    assert reply.headers["Retry-After"] == "5"
    statuses = {g["groupId"]: g["status"] for g in reply.json["guest"]["groups"]}
    assert statuses == {FEELGOOD: "added", RETAIL: "failed"}


async def test_recently_denied_guest_is_409_then_override_is_recorded(
    post: Any, worker: Worker, emulator_state: Any
) -> None:
    first = await post(guest())
    await worker.store.denials.record_denial(
        first.json["userId"], "instance-1", datetime.now(UTC) - timedelta(days=3)
    )
    emulator_state.requests.clear()
    refused = await post(guest())
    assert (refused.status, refused.problem_type) == (409, "guest-recently-denied")
    assert refused.json["guestId"] == first.json["userId"]
    assert emulator_state.requests.writes == 0
    allowed = await post(guest(override={"reason": "Approved by the sponsor on ticket 4711"}))
    assert allowed.status == 200
    assert allowed.json["overrideRecorded"] is True


async def test_bulk_is_207_with_a_status_per_guest(post: Any, emulator_state: Any) -> None:
    payload = {
        "guests": [
            guest("one@fabrikam.com", externalRef="HR-1"),
            guest("two@blocked.example", externalRef="HR-2"),
            {"email": "three@fabrikam.com"},
            guest("four@fabrikam.com", groups=[RETAIL, SALES], sponsor=MEGAN),
        ]
    }
    reply = await post(payload, bulk=True)
    assert reply.status == 207
    results = reply.json["results"]
    assert [r["status"] for r in results] == [201, 403, 422, 201]
    assert results[0]["externalRef"] == "HR-1"
    assert results[1]["problem"]["type"].endswith("/domain-not-allowed")
    assert results[2]["problem"]["errors"] == [
        {"field": "guests[2].groups", "message": results[2]["problem"]["errors"][0]["message"]}
    ]
    assert reply.json["summary"] == {"total": 4, "created": 2, "existing": 0, "refused": 2, "failed": 0}
    again = await post(payload, bulk=True)
    assert [r["status"] for r in again.json["results"]] == [200, 403, 422, 200]


async def test_logs_never_carry_addresses_names_secrets_or_tokens(
    post: Any, emulator_state: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await post(guest("o'brien@fabrikam.com", groups=[FEELGOOD, RETAIL], sponsor=MEGAN))
    await post(guest("o'brien@fabrikam.com", groups=[FEELGOOD]))
    await post(guest("ada@blocked.example"))
    await post({"guests": [guest("bulk@fabrikam.com"), guest("bad@blocked.example")]}, bulk=True)
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "guestkeeper.onboarding" in text  # outcomes are logged...
    assert not EMAIL.findall(text)  # ...but no address,
    assert "Lovelace" not in text  # no name,
    assert SECRET.removeprefix("whsec_")[:12] not in text  # no secret,
    assert "test-token-" not in text  # no bearer token
    assert "redeem?" not in text  # and no redeem URL


async def test_configuration_errors_are_500_naming_nothing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in settings_env():
        monkeypatch.delenv(name, raising=False)
    onboard = handler(trigger.blueprint(LazyWorker().onboarding), "onboard_guest")  # as function_app does
    body = json.dumps(guest()).encode()
    reply = await call(onboard, "guests", body, signed_headers(body))
    assert (reply.status, reply.problem_type) == (500, "configuration-error")


async def test_unexpected_errors_are_500_without_the_message(
    monkeypatch: pytest.MonkeyPatch, post: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ada@fabrikam.com broke it")

    monkeypatch.setattr("shared.onboarding.intake.onboard_guest", explode)
    reply = await post(guest())
    assert (reply.status, reply.problem_type) == (500, "internal-error")
    assert "ada@" not in reply.raw.decode()
    assert "ada@" not in caplog.text
    assert "RuntimeError" in caplog.text
