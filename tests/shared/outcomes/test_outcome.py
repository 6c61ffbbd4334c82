"""Outcomes: stable webhook ids, the body HR receives, the queue message, and publishing on Azurite."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.storage.queue.aio import QueueClient

from shared.outcomes import (
    InvalidOutcomeMessage,
    Outcome,
    OutcomeKind,
    OutcomeMessage,
    QueuedOutcomes,
)
from shared.queue.message import MESSAGE_ENCODING
from shared.queue.sender import StorageQueue

AT = datetime(2026, 4, 16, 2, 0, 7, 123456, tzinfo=UTC)
GUEST = "0a5d2f34-6baa-4455-a3e7-0682c2094cac"
INSTANCE = "37eb5d5e-3c4e-4d8e-9f1a-2b3c4d5e6f70"


def removed(source: str = f"review:{INSTANCE}", **changes: object) -> Outcome:
    fields: dict[str, Any] = {"user_id": GUEST, "data": {"groupId": "g", "instanceId": INSTANCE}} | changes
    return Outcome(OutcomeKind.REMOVED_BY_REVIEW, AT, source, **fields)


def test_the_webhook_id_is_stable_per_outcome_and_event() -> None:
    first = removed().webhook_id
    assert first.startswith("msg_")
    assert len(first) == 36
    assert removed().webhook_id == first  # a re-run of the same round: HR drops the duplicate
    assert removed(source="review:another-round").webhook_id != first
    assert Outcome(OutcomeKind.DISABLED, AT, f"review:{INSTANCE}", user_id=GUEST).webhook_id != first
    assert removed(user_id="someone-else").webhook_id != first


def test_the_body_follows_the_standard_webhooks_payload_convention() -> None:
    message = Outcome(
        OutcomeKind.ONBOARDED, AT, "msg_x#0", user_id=GUEST, external_ref="HR-1001", data={"created": True}
    ).message()
    assert json.loads(message.body()) == {
        "type": "guest.onboarded",
        "timestamp": "2026-04-16T02:00:07Z",
        "data": {"userId": GUEST, "externalRef": "HR-1001", "created": True},
    }
    refused = Outcome(
        OutcomeKind.REFUSED, AT, "msg_x#1", external_ref="HR-1002", data={"reason": "policy-refused"}
    )
    assert json.loads(refused.message().body())["data"] == {
        "externalRef": "HR-1002",
        "reason": "policy-refused",
    }


def test_the_queue_message_round_trips_in_the_hosts_encoding() -> None:
    message = removed().message()
    text = message.encode()
    decoded = base64.b64decode(text).decode() if MESSAGE_ENCODING == "base64" else text
    parsed = OutcomeMessage.parse(decoded)
    assert parsed == message
    assert (parsed.kind, parsed.user_id, parsed.external_ref) == ("guest.removed-by-review", GUEST, None)
    completed = parsed.with_external_ref("HR-1001")
    assert json.loads(completed.body())["data"]["externalRef"] == "HR-1001"
    assert parsed.external_ref is None  # messages are values


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"webhookId": "msg_123", "payload": {}}),
        json.dumps(
            {"webhookId": "msg_" + "0" * 32, "payload": {"type": "guest.hired", "timestamp": "t", "data": {}}}
        ),
        json.dumps({"webhookId": "msg_" + "0" * 32, "payload": {"type": "guest.deleted", "data": {}}}),
    ],
)
def test_invalid_messages_are_named(text: str) -> None:
    with pytest.raises(InvalidOutcomeMessage):
        OutcomeMessage.parse(text)


async def test_published_outcomes_land_on_the_queue_as_the_trigger_reads_them(
    storage_connection_string: str,
) -> None:
    name = f"hr-{uuid.uuid4().hex[:12]}"
    queue = StorageQueue(QueueClient.from_connection_string(storage_connection_string, name))
    try:
        await QueuedOutcomes(queue).publish(removed())
    finally:
        await queue.close()
    async with QueueClient.from_connection_string(storage_connection_string, name) as client:
        [stored] = await client.peek_messages(max_messages=5)
    assert OutcomeMessage.parse(base64.b64decode(stored.content).decode()) == removed().message()
