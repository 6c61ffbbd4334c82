"""Outcomes reach HR end to end: the real ``function_app`` on an in-process devhost (its queue
trigger polling Azurite), the Graph emulator and a local receiver on loopback sockets that verifies
every signature with ``standardwebhooks``.

HR's webhooks onboard two guests who never redeem; the governance timer reminds one and expires
the other; each outcome arrives signed, once accepted. Then a receiver that fails twice before it
accepts (the host's retries) and one that always fails (the poison queue, its reason audited).
host.json's 30 s ``visibilityTimeout`` is shortened to 1 s here: the retry and poison semantics are
the same, the wait is not.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue.aio import QueueClient

from devhost.runner import DevHost, DevHostOptions
from graph_emulator import TenantState
from scripts.hr_receiver import Receiver, serving
from scripts.send_webhook import settings_values
from shared.outcomes import OutcomeMessage
from shared.state import StateStore
from shared.worker import Worker
from tests.reliability.stack import ROOT, SAMPLE, close_graph_client, record_workers, serve_emulator
from tests.shared.conftest import FEELGOOD, make_settings, signed_headers

KEY = secrets.token_urlsafe(16)
WAIT = 30.0


@dataclass
class Stack:
    host: DevHost
    state: TenantState
    receiver: Receiver
    values: dict[str, str]

    async def onboard(self, email: str, ref: str) -> dict[str, Any]:
        body = json.dumps({"email": email, "groups": [FEELGOOD], "externalRef": ref}).encode()
        headers = signed_headers(body, secret=self.values["WEBHOOK_SECRET"])
        transport = httpx.ASGITransport(app=self.host.asgi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://devhost") as client:
            answer = await client.post("/api/guests", params={"code": KEY}, content=body, headers=headers)
        assert answer.status_code == 201, answer.text
        reply: dict[str, Any] = answer.json()
        return reply

    async def store(self) -> StateStore:
        return StateStore.from_settings(make_settings(**self.values).storage)


@pytest.fixture
async def stack(storage_connection_string: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stack]:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    state = TenantState(clock_start=today)
    values = settings_values(SAMPLE)
    receiver = Receiver(values["WEBHOOK_SECRET"])  # no HR_CALLBACK_SECRET: HR's own secret signs
    suffix = uuid.uuid4().hex[:10]
    with serving(receiver) as hr_url:
        async with serve_emulator(state) as emulator:
            values |= {
                "GRAPH_BASE_URL": f"{emulator}/v1.0",
                "AzureWebJobsStorage": storage_connection_string,
                "STATE_TABLE_NAME": f"hr{suffix}",
                "CLEANUP_QUEUE_NAME": f"hr-cleanup-{suffix}",
                "HR_CALLBACK_QUEUE_NAME": f"hr-callbacks-{suffix}",
                "HR_CALLBACK_URL": hr_url,
                "INVITE_REMIND_AFTER_DAYS": "7",
                "INVITE_EXPIRE_AFTER_DAYS": "30",
            }
            for name, value in values.items():
                monkeypatch.setenv(name, value)
            built = record_workers(monkeypatch)
            host = DevHost(DevHostOptions(app_dir=ROOT, load_settings=False, function_key=KEY))
            host.index()
            queues = replace(host.config.queues, visibility_timeout=1.0, max_polling_interval=0.2)
            host.config = replace(host.config, queues=queues)
            await host.start()
            try:
                yield Stack(host, state, receiver, values)
            finally:
                await host.stop()
                for worker in built:
                    await _close(worker)


async def _close(worker: Worker) -> None:
    await worker.close()
    await close_graph_client(worker.graph)


async def poisoned(stack: Stack) -> list[OutcomeMessage]:
    name = stack.values["HR_CALLBACK_QUEUE_NAME"] + "-poison"
    async with QueueClient.from_connection_string(stack.values["AzureWebJobsStorage"], name) as queue:
        try:
            found = await queue.peek_messages(max_messages=32)
        except ResourceNotFoundError:  # the host creates the poison queue on first use
            return []
    return [OutcomeMessage.parse(base64.b64decode(m.content).decode()) for m in found]


async def test_outcomes_reach_hr_signed_with_retries_and_a_poison_queue(stack: Stack) -> None:
    state, receiver = stack.state, stack.receiver
    now = state.clock.now()
    state.clock.set(now - timedelta(days=31))  # HR onboarded them weeks ago; neither redeemed
    gone = await stack.onboard("ines.quarry@fabrikam.com", "HR-7001")
    state.clock.set(now - timedelta(days=8))
    late = await stack.onboard("olaf.tern@fabrikam.com", "HR-7002")
    state.clock.set(now)
    async with asyncio.timeout(WAIT):
        await receiver.wait_for(2)
    onboarded = sorted((p["type"], p["data"]["externalRef"]) for p in receiver.accepted().values())
    assert onboarded == [("guest.onboarded", "HR-7001"), ("guest.onboarded", "HR-7002")]

    result = await stack.host.run_function("governance_run")
    assert result.succeeded, result.error
    assert state.directory.users[gone["userId"]].deleted is not None
    assert [m["invitedUserId"] for m in state.outbox] == [late["userId"]]  # the one reminder
    async with asyncio.timeout(WAIT):
        await receiver.wait_for(3)
    [expired] = [p for p in receiver.accepted().values() if p["type"] == "guest.invitation-expired"]
    assert expired["data"] == {
        "userId": gone["userId"],
        "externalRef": "HR-7001",
        "accountDeleted": True,
        "pendingSince": expired["data"]["pendingSince"],
    }

    receiver.fail_first = 2  # HR answers 503 twice, then accepts: the host's retries deliver it
    retried = await stack.onboard("petra.vole@fabrikam.com", "HR-7003")
    async with asyncio.timeout(WAIT):
        await receiver.wait_for(4)
    [ident] = [i for i, p in receiver.accepted().items() if p["data"]["userId"] == retried["userId"]]
    assert receiver.attempts(ident) == 3
    assert [r.status for r in receiver.received if r.webhook_id == ident] == [503, 503, 204]

    receiver.always_fail = True  # HR is down: five deliveries, then the poison queue
    lost = await stack.onboard("quentin.wren@fabrikam.com", "HR-7004")
    async with asyncio.timeout(WAIT):
        while not await poisoned(stack):  # noqa: ASYNC110  # a queue offers no event: poll it
            await asyncio.sleep(0.2)
    [message] = await poisoned(stack)
    assert message.user_id == lost["userId"]
    assert receiver.attempts(message.webhook_id) == 5
    store = await stack.store()
    try:
        rows = {
            (r.guest_id, r.outcome): r.detail
            for r in await store.audit.list_audit()
            if r.action == "hr-callback"
        }
    finally:
        await store.close()
    assert rows[(lost["userId"], "poisoned")] == (
        f"CallbackRefused: HR answered 503; after delivery 5 the host moves it to "
        f"{stack.values['HR_CALLBACK_QUEUE_NAME']}-poison"
    )
    assert rows[(retried["userId"], "delivered")] == "guest.onboarded: HTTP 204"
    assert rows[(gone["userId"], "delivered")] == "guest.invitation-expired: HTTP 204"
    assert receiver.refused_signatures == 0
