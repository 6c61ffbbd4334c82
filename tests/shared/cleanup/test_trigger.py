"""The cleanup queue function as the worker indexes it, called with ``azure.functions.queue.QueueMessage``
as the host delivers it: decoded per host.json's ``messageEncoding``, with ``dequeue_count``; retries,
poison records and the Azurite round trip."""

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
from shared.queue.sender import StorageQueue
from shared.worker import Worker
from tests.shared.cleanup.fixtures import FEELGOOD, enabled, finished_round, guests, member
from tests.shared.conftest import handler
from tests.test_function_app import index_functions

ROOT = Path(__file__).resolve().parents[3]


def delivered(text: str, *, dequeue_count: int = 1, ident: str | None = None) -> QueueMessage:
    """What the worker hands the function: the queue text decoded as host.json says (base64)."""
    encoding = json.loads((ROOT / "host.json").read_text())["extensions"]["queues"]["messageEncoding"]
    body = base64.b64decode(text) if encoding == "base64" else text.encode()
    ident = ident or str(uuid.uuid4())
    return QueueMessage(id=ident, body=body, dequeue_count=dequeue_count, pop_receipt="r")


async def consume(worker: Worker, msg: QueueMessage) -> None:
    await handler(trigger.blueprint(worker.cleanup), "clean_up_review_round")(msg)


def test_binding_reads_the_queue_name_and_connection_from_settings() -> None:
    bindings = index_functions()["clean_up_review_round"]["bindings"]  # a fresh index, as a worker would
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
    worker: Worker, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(worker.graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False)
    await consume(worker, delivered(review.message(FEELGOOD).encode()))
    assert not member(emulator_state, FEELGOOD, denied)
    assert not enabled(emulator_state, denied)
    assert await worker.store.reviews.instance_done(review.instances[FEELGOOD])


async def test_round_trip_through_an_azurite_queue(
    worker: Worker,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    storage_connection_string: str,
) -> None:
    """The governance producer sends; the text on the queue is what the host decodes and delivers."""
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(worker.graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=True)
    name = f"cleanup-{uuid.uuid4().hex[:12]}"
    producer = StorageQueue(QueueClient.from_connection_string(storage_connection_string, name))
    await producer.send(review.message(FEELGOOD))
    await producer.close()
    async with QueueClient.from_connection_string(storage_connection_string, name) as queue:
        received = [m async for m in queue.receive_messages(max_messages=1)]
        assert len(received) == 1
        stored = received[0]
        await consume(
            worker, delivered(stored.content, dequeue_count=stored.dequeue_count or 1, ident=stored.id)
        )
        await queue.delete_message(stored)
    assert not enabled(emulator_state, denied)


async def test_a_failing_message_is_retried_then_its_poison_reason_is_recorded(
    worker: Worker, make_graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(worker.graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False)
    worker.graph = make_graph(roles=["AccessReview.Read.All"])  # getMemberGroups will be refused (403)
    text = review.message(FEELGOOD).encode()
    ident = str(uuid.uuid4())
    limit = worker.settings.cleanup.max_dequeue_count
    for attempt in range(1, limit):
        with pytest.raises(Forbidden):
            await consume(worker, delivered(text, dequeue_count=attempt, ident=ident))
        assert await worker.store.audit.list_audit(instance_id=review.instances[FEELGOOD]) == []
    with pytest.raises(Forbidden):  # the last delivery: the host moves it to the poison queue
        await consume(worker, delivered(text, dequeue_count=limit, ident=ident))
    (poisoned,) = await worker.store.audit.list_audit(instance_id=review.instances[FEELGOOD])
    assert (poisoned.action, poisoned.outcome, poisoned.group_id) == ("message-failed", "poisoned", FEELGOOD)
    assert poisoned.detail == (
        "Forbidden: Graph 403 Authorization_RequestDenied; after delivery 5 the host moves it to "
        "review-cleanup-poison"
    )
    assert member(emulator_state, FEELGOOD, denied)


async def test_an_invalid_message_is_audited_once_and_raised_every_time(worker: Worker) -> None:
    ident = str(uuid.uuid4())
    text = base64.b64encode(b'{"definitionId": "nope"}').decode()
    for attempt in (1, 2):
        with pytest.raises(InvalidCleanupMessage):
            await consume(worker, delivered(text, dequeue_count=attempt, ident=ident))
    (invalid,) = await worker.store.audit.list_audit()
    assert (invalid.action, invalid.outcome) == ("message-failed", "invalid")
    assert invalid.detail == (
        "InvalidCleanupMessage: definitionId must be an object id (GUID); it can never succeed and goes "
        "to review-cleanup-poison"
    )
    with pytest.raises(InvalidCleanupMessage):
        await consume(worker, delivered(text, dequeue_count=5, ident=ident))
    assert sorted(r.outcome for r in await worker.store.audit.list_audit()) == ["invalid", "poisoned"]


async def test_a_finished_round_delivered_again_is_completed_without_graph_calls(
    worker: Worker, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(worker.graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False)
    message: CleanupMessage = review.message(FEELGOOD)
    await consume(worker, delivered(message.encode()))
    emulator_state.requests.clear()
    from shared.cleanup.delivery import deliver

    result = await deliver(worker.cleanup(), delivered(message.encode(), dequeue_count=1))
    assert result.outcome is RoundOutcome.ALREADY_DONE
    assert emulator_state.requests.round_trips == 0
