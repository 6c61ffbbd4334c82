"""The cleanup queue function called the documented way (``build().get_user_function()``) with
``azure.functions.queue.QueueMessage`` as the host delivers it: decoded per host.json's
``messageEncoding``, with ``dequeue_count``; retries, poison records and the Azurite round trip."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.functions.queue import QueueMessage
from azure.storage.queue.aio import QueueClient

from graph_emulator import TenantState
from shared.cleanup import trigger
from shared.cleanup.round import RoundOutcome
from shared.errors import Forbidden
from shared.queue.message import CleanupMessage, InvalidCleanupMessage
from shared.queue.sender import StorageCleanupQueue
from shared.worker import Runtime
from tests.shared.cleanup.fixtures import FEELGOOD, enabled, finished_round, guests, member

ROOT = Path(__file__).resolve().parents[3]


def delivered(text: str, *, dequeue_count: int = 1, ident: str | None = None) -> QueueMessage:
    """What the worker hands the function: the queue text decoded as host.json says (base64)."""
    encoding = json.loads((ROOT / "host.json").read_text())["extensions"]["queues"]["messageEncoding"]
    body = base64.b64decode(text) if encoding == "base64" else text.encode()
    ident = ident or str(uuid.uuid4())
    return QueueMessage(id=ident, body=body, dequeue_count=dequeue_count, pop_receipt="r")


async def call(msg: QueueMessage) -> None:
    function = trigger.clean_up_review_round.build().get_user_function()
    await function(msg)


def test_binding_reads_the_queue_name_and_connection_from_settings() -> None:
    bindings = json.loads(trigger.clean_up_review_round.build().get_function_json())["bindings"]
    assert bindings == [
        {
            "direction": "IN",
            "type": "queueTrigger",
            "name": "msg",
            "queueName": "%CLEANUP_QUEUE_NAME%",
            "connection": "AzureWebJobsStorage",
        }
    ]


async def test_a_message_encoded_as_the_producer_does_is_processed(
    runtime: Runtime, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(
        runtime.graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False
    )
    await call(delivered(review.message(FEELGOOD).encode()))
    assert not member(emulator_state, FEELGOOD, denied)
    assert not enabled(emulator_state, denied)
    assert await runtime.store.reviews.instance_done(review.instances[FEELGOOD])


async def test_round_trip_through_an_azurite_queue(
    runtime: Runtime,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    storage_connection_string: str,
) -> None:
    """The governance producer sends; the text on the queue is what the host decodes and delivers."""
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(runtime.graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=True)
    name = f"cleanup-{uuid.uuid4().hex[:12]}"
    producer = StorageCleanupQueue(QueueClient.from_connection_string(storage_connection_string, name))
    await producer.send(review.message(FEELGOOD))
    await producer.close()
    async with QueueClient.from_connection_string(storage_connection_string, name) as queue:
        received = [m async for m in queue.receive_messages(max_messages=1)]
        assert len(received) == 1
        stored = received[0]
        await call(delivered(stored.content, dequeue_count=stored.dequeue_count or 1, ident=stored.id))
        await queue.delete_message(stored)
    assert not enabled(emulator_state, denied)


async def test_a_failing_message_is_retried_then_its_poison_reason_is_recorded(
    runtime: Runtime, make_graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(
        runtime.graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False
    )
    runtime.graph = make_graph(roles=["AccessReview.Read.All"])  # getMemberGroups will be refused (403)
    text = review.message(FEELGOOD).encode()
    ident = str(uuid.uuid4())
    limit = runtime.settings.cleanup.max_dequeue_count
    for attempt in range(1, limit):
        with pytest.raises(Forbidden):
            await call(delivered(text, dequeue_count=attempt, ident=ident))
        assert await runtime.store.audit.list_audit(instance_id=review.instances[FEELGOOD]) == []
    with pytest.raises(Forbidden):  # the last delivery: the host moves it to the poison queue
        await call(delivered(text, dequeue_count=limit, ident=ident))
    (poisoned,) = await runtime.store.audit.list_audit(instance_id=review.instances[FEELGOOD])
    assert (poisoned.action, poisoned.outcome, poisoned.group_id) == ("message-failed", "poisoned", FEELGOOD)
    assert poisoned.detail == (
        "Forbidden: Graph 403 Authorization_RequestDenied; after delivery 5 the host moves it to "
        "review-cleanup-poison"
    )
    assert member(emulator_state, FEELGOOD, denied)


async def test_an_invalid_message_is_audited_once_and_raised_every_time(runtime: Runtime) -> None:
    ident = str(uuid.uuid4())
    text = base64.b64encode(b'{"definitionId": "nope"}').decode()
    for attempt in (1, 2):
        with pytest.raises(InvalidCleanupMessage):
            await call(delivered(text, dequeue_count=attempt, ident=ident))
    (invalid,) = await runtime.store.audit.list_audit()
    assert (invalid.action, invalid.outcome) == ("message-failed", "invalid")
    assert invalid.detail == (
        "InvalidCleanupMessage: definitionId must be an object id (GUID); it can never succeed and goes "
        "to review-cleanup-poison"
    )
    with pytest.raises(InvalidCleanupMessage):
        await call(delivered(text, dequeue_count=5, ident=ident))
    assert sorted(r.outcome for r in await runtime.store.audit.list_audit()) == ["invalid", "poisoned"]


async def test_a_finished_round_delivered_again_is_completed_without_graph_calls(
    runtime: Runtime, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(
        runtime.graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False
    )
    message: CleanupMessage = review.message(FEELGOOD)
    await call(delivered(message.encode()))
    emulator_state.requests.clear()
    from shared.cleanup.delivery import deliver

    result = await deliver(runtime, delivered(message.encode(), dequeue_count=1))
    assert result.outcome is RoundOutcome.ALREADY_DONE
    assert emulator_state.requests.round_trips == 0
