from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from shared.graph.review_instances import InstanceRef, Phase, group_id_from_scope, phase
from shared.queue.message import MESSAGE_ENCODING, CleanupMessage, InvalidCleanupMessage

GID = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Completed", Phase.FINISHED),
        ("Applied", Phase.FINISHED),
        ("AutoReviewed", Phase.FINISHED),
        ("Applying", Phase.FINISHED),
        ("InProgress", Phase.RUNNING),
        ("NotStarted", Phase.RUNNING),
        ("Completing", Phase.RUNNING),
        ("Frobnicated", Phase.UNKNOWN),
        (None, Phase.UNKNOWN),
    ],
)
def test_phase(status: str | None, expected: Phase) -> None:
    assert phase(status) is expected


@pytest.mark.parametrize(
    "query",
    [
        f"/v1.0/groups/{GID}/members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')",
        f"/groups/{GID}/members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')",
        f"/beta/groups/{GID.upper()}/members",
    ],
)
def test_group_id_with_and_without_version_prefix(query: str) -> None:
    assert group_id_from_scope(query) == GID


def test_group_id_absent() -> None:
    assert group_id_from_scope("./members/microsoft.graph.user") is None
    assert InstanceRef.from_json({"id": "i", "status": "Completed", "scope": None}).group_id is None


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
