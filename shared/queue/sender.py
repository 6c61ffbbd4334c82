"""The app's queue producer: the cleanup queue (governance) and the HR callback queue (outcomes).

The encoding is decided once, by ``shared.queue.message`` (``MESSAGE_ENCODING``, kept equal to
host.json's ``messageEncoding`` by a test): each message's ``encode()`` produces the queue text, so
the ``QueueClient`` is built without an encode policy (one would encode the text a second time).
A queue is created on its first send, never in a dry run.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import TYPE_CHECKING, Protocol

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError, ResourceExistsError

from shared.config import StorageSettings
from shared.errors import StateUnavailable
from shared.queue.message import CleanupMessage

if TYPE_CHECKING:  # imported where a client is built: only producers send (~0.14 s cold)
    from azure.storage.queue.aio import QueueClient


class Encodable(Protocol):
    def encode(self) -> str: ...


class CleanupQueue(Protocol):
    async def send(self, message: CleanupMessage) -> None: ...


class StorageQueue:
    """A queue of the Functions storage account (``AzureWebJobsStorage``; Azurite locally)."""

    def __init__(self, client: QueueClient, credential: AsyncTokenCredential | None = None) -> None:
        self._client = client
        self._credential = credential
        self._ready = False
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, storage: StorageSettings, name: str, uri: str | None) -> StorageQueue:
        """A connection string, or identity-based (``uri``: ``AzureWebJobsStorage__queueServiceUri``)."""
        from azure.storage.queue.aio import QueueClient

        if storage.connection_string is not None:
            return cls(QueueClient.from_connection_string(storage.connection_string.reveal(), name))
        if uri is None:
            raise StateUnavailable("no queue endpoint: set AzureWebJobsStorage__queueServiceUri")
        from azure.identity.aio import ManagedIdentityCredential

        credential = ManagedIdentityCredential(client_id=storage.client_id)
        return cls(QueueClient(uri, name, credential=credential), credential)

    async def send(self, message: Encodable) -> None:
        try:
            await self._ensure_queue()
            await self._client.send_message(message.encode())
        except AzureError as exc:
            raise StateUnavailable(f"queue unavailable: {type(exc).__name__}") from exc

    async def close(self) -> None:
        await self._client.close()
        if self._credential is not None:
            await self._credential.close()

    async def _ensure_queue(self) -> None:
        if self._ready:
            return
        async with self._lock:
            if not self._ready:
                with suppress(ResourceExistsError):
                    await self._client.create_queue()
                self._ready = True
