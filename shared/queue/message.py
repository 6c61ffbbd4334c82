"""The queues' encoding, decided in one place, and the cleanup queue's message.

host.json sets ``extensions.queues.messageEncoding`` to ``base64`` (the host's default) for every
queue of the app, so every producer base64-encodes its JSON text (``encode_text``) and each queue
trigger receives the decoded text. A test keeps this constant and host.json in agreement.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from shared.config import GUID

MESSAGE_ENCODING = "base64"


def encode_text(text: str) -> str:
    """The text to put on a queue, in the host's ``messageEncoding``."""
    if MESSAGE_ENCODING == "base64":
        return base64.b64encode(text.encode()).decode()
    return text


class InvalidCleanupMessage(ValueError):
    """A message no retry can fix: it goes to the poison queue with this reason."""


@dataclass(frozen=True)
class CleanupMessage:
    definition_id: str
    instance_id: str
    group_id: str

    def to_json(self) -> str:
        return json.dumps(
            {"definitionId": self.definition_id, "instanceId": self.instance_id, "groupId": self.group_id},
            separators=(",", ":"),
        )

    def encode(self) -> str:
        """The text to put on the queue, in the host's ``messageEncoding``."""
        return encode_text(self.to_json())

    @classmethod
    def parse(cls, text: str) -> CleanupMessage:
        """Parse the (already decoded) message body the queue trigger receives."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidCleanupMessage("message body is not JSON") from exc
        if not isinstance(data, dict):
            raise InvalidCleanupMessage("message body is not a JSON object")
        values = {}
        for key in ("definitionId", "instanceId", "groupId"):
            value = data.get(key)
            if not isinstance(value, str) or not GUID.match(value):
                raise InvalidCleanupMessage(f"{key} must be an object id (GUID)")
            values[key] = value.lower()
        return cls(values["definitionId"], values["instanceId"], values["groupId"])
