"""What offboarding tells HR, through the real handlers: ``guest.offboarded`` for each guest taken out
of the managed groups, ``guest.disabled`` too when this offboarding disabled its account; nothing for
a dry run, a refusal or a failure. Each outcome's source is the delivery's webhook id and the entry's
index, so a retried delivery publishes the same webhook ids. Last, a callback reaches a local HR
receiver that verifies its signature: offboarding -> the HR callback queue on Azurite -> delivery."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.functions.queue import QueueMessage
from azure.storage.queue.aio import QueueClient

from graph_emulator import FaultConfig, FaultRule, TenantState
from scripts.hr_receiver import Receiver, serving
from shared.callbacks.delivery import deliver
from shared.errors import StateUnavailable
from shared.outcomes import Outcome, OutcomeKind
from shared.worker import Worker
from tests.shared.conftest import FEELGOOD, RETAIL, SECRET, make_settings
from tests.shared.offboarding.fixtures import contractor, leaving, unmanaged_group
from tests.shared.outcomes.fixtures import RecordedOutcomes

GRACE = timedelta(days=30)  # GUEST_DELETE_GRACE_DAYS's default


def recorded(worker: Worker) -> RecordedOutcomes:
    outcomes = RecordedOutcomes()
    worker.outcomes = outcomes
    return outcomes


def seen(outcomes: RecordedOutcomes) -> list[tuple[OutcomeKind, str | None, str | None, str]]:
    return [(o.kind, o.user_id, o.external_ref, o.source) for o in outcomes.outcomes]


async def test_a_guest_left_with_no_group_is_reported_offboarded_and_disabled(
    offboard: Any, worker: Worker, emulator_state: TenantState
) -> None:
    outcomes = recorded(worker)
    leaver = contractor(emulator_state, "Outcomer", FEELGOOD, RETAIL)
    reply = await offboard(
        leaving(leaver.mail, externalRef="HR-7", reason="Contract ended"), webhook_id="msg_off_1"
    )
    assert (reply.status, reply.json["account"]) == (200, "disabled")

    assert seen(outcomes) == [
        (OutcomeKind.OFFBOARDED, leaver.id, "HR-7", "msg_off_1#0"),
        (OutcomeKind.DISABLED, leaver.id, "HR-7", "msg_off_1#0"),
    ]
    offboarded, disabled = outcomes.outcomes
    delete_after = reply.json["deleteAfter"]
    assert dict(offboarded.data) == {
        "account": "disabled",
        "groupsRemoved": 2,
        "cooldown": True,
        "deleteAfter": delete_after,
    }  # ids and words: the free-text reason stays in the audit
    assert dict(disabled.data) == {"deleteAfter": delete_after}
    assert abs(datetime.fromisoformat(delete_after) - (datetime.now(UTC) + GRACE)) < timedelta(minutes=1)
    assert offboarded.webhook_id != disabled.webhook_id


async def test_a_guest_kept_for_other_access_or_disabled_before_is_reported_offboarded_only(
    offboard: Any, worker: Worker, emulator_state: TenantState
) -> None:
    outcomes = recorded(worker)
    kept = contractor(emulator_state, "Keepwell", FEELGOOD, unmanaged_group(emulator_state))
    again = contractor(emulator_state, "Againly", RETAIL)
    assert (await offboard(leaving(again.mail), webhook_id="msg_off_first")).status == 200
    outcomes.outcomes.clear()

    assert (await offboard(leaving(kept.mail, cooldown=False), webhook_id="msg_off_kept")).status == 200
    assert (await offboard(leaving(again.mail), webhook_id="msg_off_again")).status == 200

    assert [(o.kind, o.user_id, o.data["account"], o.data["groupsRemoved"]) for o in outcomes.outcomes] == [
        (OutcomeKind.OFFBOARDED, kept.id, "keptOtherAccess", 1),
        (OutcomeKind.OFFBOARDED, again.id, "alreadyDisabled", 0),
    ]
    assert outcomes.outcomes[0].data["cooldown"] is False
    assert "deleteAfter" not in outcomes.outcomes[0].data  # kept: never deleted
    assert "deleteAfter" in outcomes.outcomes[1].data  # the first offboarding's date


async def test_bulk_entries_publish_with_their_own_index_and_refusals_publish_nothing(
    offboard: Any, worker: Worker, emulator_state: TenantState
) -> None:
    outcomes = recorded(worker)
    first = contractor(emulator_state, "Bulkone", FEELGOOD)
    second = contractor(emulator_state, "Bulktwo", RETAIL)
    body = {
        "guests": [
            leaving(first.mail, externalRef="HR-1"),
            leaving("nobody@fabrikam.com", externalRef="HR-2"),
            leaving("not an address", externalRef="HR-3"),
            leaving(second.mail),
        ]
    }
    reply = await offboard(body, bulk=True, webhook_id="msg_off_bulk")
    assert [r["status"] for r in reply.json["results"]] == [200, 404, 422, 200]
    assert [(o.kind, o.user_id, o.external_ref, o.source) for o in outcomes.of(OutcomeKind.OFFBOARDED)] == [
        (OutcomeKind.OFFBOARDED, first.id, "HR-1", "msg_off_bulk#0"),
        (OutcomeKind.OFFBOARDED, second.id, None, "msg_off_bulk#3"),
    ]
    assert len(outcomes.of(OutcomeKind.DISABLED)) == 2


async def test_a_dry_run_publishes_nothing(
    offboard: Any, worker: Worker, emulator_state: TenantState
) -> None:
    outcomes = recorded(worker)
    worker.settings = replace(
        worker.settings, offboarding=make_settings(OFFBOARDING_DRY_RUN="true").offboarding
    )
    leaver = contractor(emulator_state, "Dryrun", FEELGOOD)
    reply = await offboard(leaving(leaver.mail))
    assert (reply.status, reply.json["dryRun"]) == (200, True)
    assert outcomes.outcomes == []


async def test_a_retried_delivery_publishes_only_once_complete_under_the_same_webhook_ids(
    offboard: Any, worker: Worker, emulator_state: TenantState
) -> None:
    """Graph failing mid-way is 503 with no outcome; the retry completes it. Then the publisher
    failing is 503 too (the claim is released), and the retry publishes under the same webhook ids."""
    outcomes = recorded(worker)
    leaver = contractor(emulator_state, "Retryman", FEELGOOD)
    emulator_state.faults.configure(FaultConfig(rules=[FaultRule(status=503, method="PATCH", retry_after=0)]))
    body = json.dumps(leaving(leaver.mail, externalRef="HR-9")).encode()
    failed = await offboard(None, raw=body, webhook_id="msg_off_retry")
    assert (failed.status, failed.problem_type) == (503, "graph-unavailable")
    assert outcomes.outcomes == []
    emulator_state.faults.configure(FaultConfig())
    assert (await offboard(None, raw=body, webhook_id="msg_off_retry")).status == 200
    first_ids = [o.webhook_id for o in outcomes.outcomes]
    assert [o.kind for o in outcomes.outcomes] == [OutcomeKind.OFFBOARDED, OutcomeKind.DISABLED]

    other = contractor(emulator_state, "Queuedown", RETAIL)
    worker.outcomes = FailingOnce(outcomes)
    second = json.dumps(leaving(other.mail)).encode()
    down = await offboard(None, raw=second, webhook_id="msg_off_queue")
    assert (down.status, down.problem_type) == (503, "state-unavailable")
    assert (await offboard(None, raw=second, webhook_id="msg_off_queue")).status == 200  # released
    again = [o for o in outcomes.outcomes if o.user_id == other.id]  # the first try may have sent one
    assert {(o.kind, o.source) for o in again} == {
        (OutcomeKind.OFFBOARDED, "msg_off_queue#0"),
        (OutcomeKind.DISABLED, "msg_off_queue#0"),
    }
    assert len({o.webhook_id for o in again}) == 2  # a repeat carries the id HR already dropped once
    assert first_ids == [o.webhook_id for o in outcomes.outcomes if o.user_id == leaver.id]


class FailingOnce:
    """The HR callback queue unavailable for one publish, then back."""

    def __init__(self, then: RecordedOutcomes) -> None:
        self.then = then
        self.failed = False

    async def publish(self, outcome: Outcome) -> None:
        if not self.failed:
            self.failed = True
            raise StateUnavailable("the queue is unavailable")
        await self.then.publish(outcome)


async def test_hr_receives_the_signed_callbacks_of_an_offboarded_guest(
    offboard: Any, worker: Worker, emulator_state: TenantState, storage_connection_string: str
) -> None:
    leaver = contractor(emulator_state, "Callbacker", FEELGOOD)
    queue = f"gk-hr-{uuid.uuid4().hex[:12]}"
    receiver = Receiver(SECRET)  # no HR_CALLBACK_SECRET: WEBHOOK_SECRET signs
    with serving(receiver) as url:
        callbacks = replace(worker.settings.callbacks, url=url, queue_name=queue)
        worker.settings = replace(worker.settings, callbacks=callbacks)
        reply = await offboard(leaving(leaver.mail, externalRef="HR-42"))
        assert (reply.status, reply.json["account"]) == (200, "disabled")
        async with QueueClient.from_connection_string(storage_connection_string, queue) as client:
            messages = [m async for m in client.receive_messages(max_messages=32)]
            for message in messages:  # as the host hands them over: base64-decoded (host.json)
                body = base64.b64decode(str(message.content))
                delivered = QueueMessage(id=message.id, body=body, dequeue_count=1, pop_receipt="r")
                assert await deliver(worker.callbacks(), delivered) == 204
            await client.delete_queue()
    assert len(messages) == 2
    assert sorted((r.payload["type"], r.payload["data"]["userId"]) for r in receiver.received) == [
        ("guest.disabled", leaver.id),
        ("guest.offboarded", leaver.id),
    ]
    assert {r.payload["data"]["externalRef"] for r in receiver.received} == {"HR-42"}
    assert receiver.refused_signatures == 0
    audit = await worker.store.audit.list_audit(guest_id=leaver.id)
    assert sum(1 for r in audit if (r.action, r.outcome) == ("hr-callback", "delivered")) == 2
