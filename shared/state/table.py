"""The one table every concern's store writes to: its client, created on first use, and the rules
every partition follows (storage failures become ``StateUnavailable``, bulk writes batch by 100)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Self

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.data.tables import TableTransactionError
from azure.data.tables.aio import TableClient

from shared.config import StorageSettings
from shared.errors import StateUnavailable

TRANSACTION_SIZE = 100  # entity-group transactions: at most 100 operations, one partition
KEYS_PER_QUERY = 14  # a $filter allows 15 comparisons: the partition and 14 row keys


@contextmanager
def storage_errors() -> Iterator[None]:
    try:
        yield
    except AzureError as exc:
        raise StateUnavailable(f"state table unavailable: {type(exc).__name__}") from exc


class Table:
    """The table client and the helpers every concern's store builds on."""

    def __init__(self, table: TableClient) -> None:
        self._table = table
        self._ready = False
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, storage: StorageSettings) -> Self:
        if storage.connection_string is not None:
            table = TableClient.from_connection_string(storage.connection_string.reveal(), storage.table_name)
        else:
            from azure.identity.aio import ManagedIdentityCredential

            assert storage.table_service_uri is not None  # Settings guarantees one of the two
            credential = ManagedIdentityCredential(client_id=storage.client_id)
            table = TableClient(storage.table_service_uri, storage.table_name, credential=credential)
        return cls(table)

    async def close(self) -> None:
        await self._table.close()

    async def client(self) -> TableClient:
        if not self._ready:
            async with self._lock:
                if not self._ready:
                    with storage_errors(), suppress(ResourceExistsError):
                        await self._table.create_table()
                    self._ready = True
        return self._table

    async def rows(self, partition: str, keys: Iterable[str], select: list[str]) -> dict[str, dict[str, Any]]:
        """The rows of ``partition`` with these row keys, by key (missing ones absent): one query per 14
        keys instead of a point read per key."""
        table = await self.client()
        ids = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        with storage_errors():
            for start in range(0, len(ids), KEYS_PER_QUERY):
                names = {f"k{i}": key for i, key in enumerate(ids[start : start + KEYS_PER_QUERY])}
                clause = " or ".join(f"RowKey eq @{name}" for name in names)
                query = f"PartitionKey eq @partition and ( {clause} )"  # azure-data-tables splits on spaces
                parameters = names | {"partition": partition}
                entities = table.query_entities(query, parameters=parameters, select=["RowKey", *select])
                found |= {entity["RowKey"]: dict(entity) async for entity in entities}
        return found

    async def create_once(self, entities: Sequence[dict[str, Any]]) -> None:
        """Create rows of one partition 100 a transaction; a transaction that meets an existing row
        falls back to one create per row, and existing rows are kept."""
        table = await self.client()
        with storage_errors():
            for start in range(0, len(entities), TRANSACTION_SIZE):
                chunk = entities[start : start + TRANSACTION_SIZE]
                try:
                    await table.submit_transaction([("create", e) for e in chunk])
                except TableTransactionError:
                    for entity in chunk:
                        with suppress(ResourceExistsError):
                            await table.create_entity(entity)
