"""Azure Storage queues for devhost: shared async clients, and the host's message encoding.

Clients are created without encode/decode policies so that the raw message text is visible: the
host's ``base64`` decoding is done here, per message, so that one undecodable message can be sent
to the poison queue without failing the whole batch (what the storage extension does through the
SDK's ``MessageDecodingFailed`` hook).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue.aio import QueueClient, QueueServiceClient

from devhost.hostconfig import MessageEncoding

_QUEUE_NAME = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
_WHITESPACE = re.compile(r"\s+")
# The SDK's default (15 s initial back-off, 3 tries) makes an unreachable Azurite take ~90 s to report;
# locally, fail in seconds. The queue listener's own polling back-off handles the rest.
_RETRY: dict[str, Any] = {
    "retry_total": 2,
    "initial_backoff": 0.5,
    "increment_base": 2,
    "connection_timeout": 5,
}


class MessageDecodingError(ValueError):
    """The message text is not what host.json's ``messageEncoding`` says it is."""


def normalize_queue_name(name: str) -> str:
    """Lower-case and validate, as the queue trigger and output bindings do."""
    normalized = name.lower()
    if not _QUEUE_NAME.match(normalized):
        raise ValueError(
            f"Invalid queue name '{name}': queue names are 3-63 characters of "
            "lower-case letters, digits and single hyphens, starting and ending with a letter or digit."
        )
    return normalized


def decode_message(text: str, encoding: MessageEncoding) -> bytes:
    if encoding == "none":
        return text.encode("utf-8")
    try:
        return base64.b64decode(_WHITESPACE.sub("", text), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MessageDecodingError(
            "The input is not a valid Base-64 string as it contains a non-base 64 character, more than "
            "two padding characters, or an illegal character among the padding characters."
        ) from exc


def encode_message(body: bytes, encoding: MessageEncoding) -> str:
    if encoding == "none":
        return body.decode("utf-8")
    return base64.b64encode(body).decode("ascii")


class QueueClients:
    """One ``QueueServiceClient`` (one HTTP session) per connection string, closed together."""

    def __init__(self) -> None:
        self._services: dict[str, QueueServiceClient] = {}

    def queue(self, connection_string: str, queue_name: str) -> QueueClient:
        service = self._services.get(connection_string)
        if service is None:
            service = QueueServiceClient.from_connection_string(connection_string, **_RETRY)
            self._services[connection_string] = service
        return service.get_queue_client(queue_name)

    async def close(self) -> None:
        services, self._services = list(self._services.values()), {}
        for service in services:
            await service.close()


async def ensure_queue(client: QueueClient) -> None:
    with contextlib.suppress(ResourceExistsError):
        await client.create_queue()


async def send_creating_queue(client: QueueClient, text: str) -> None:
    """Send, creating the queue on first use (``AddMessageAndCreateIfNotExistsAsync``)."""
    try:
        await client.send_message(text)
    except ResourceNotFoundError:
        await ensure_queue(client)
        await client.send_message(text)
