"""The cleanup queue's message: its JSON, the host's encoding, and refusals that say why."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from shared.queue.message import MESSAGE_ENCODING, CleanupMessage, InvalidCleanupMessage

GID = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"


def test_message_round_trip_in_host_encoding() -> None:
    message = CleanupMessage(
        "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", GID
    )
    wire = message.encode()
    decoded = base64.b64decode(wire).decode()
    assert json.loads(decoded) == {
        "definitionId": message.definition_id,
        "instanceId": message.instance_id,
        "groupId": GID,
    }
    assert CleanupMessage.parse(decoded) == message


def test_encoding_agrees_with_host_json() -> None:
    host = json.loads((Path(__file__).parents[3] / "host.json").read_text())
    assert host["extensions"]["queues"]["messageEncoding"] == MESSAGE_ENCODING


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not JSON"),
        ("[1]", "not a JSON object"),
        ('{"definitionId": "x", "instanceId": "y", "groupId": "z"}', "definitionId"),
        (json.dumps({"definitionId": GID, "instanceId": GID}), "groupId"),
    ],
)
def test_invalid_messages_say_why(body: str, reason: str) -> None:
    with pytest.raises(InvalidCleanupMessage, match=reason):
        CleanupMessage.parse(body)
