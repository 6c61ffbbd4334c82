"""Progress of access-review handling, so sweeps and cleanup re-runs skip finished work: instances
cleanup checkpointed, cleanup messages the governance sweep sent, drained series."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.state.records import EnqueuedRound
from shared.state.table import Table, storage_errors


class ReviewRecords:
    """The ``checkpoint``, ``enqueued`` and ``drained`` partitions."""

    partitions = frozenset({"checkpoint", "enqueued", "drained"})

    def __init__(self, table: Table) -> None:
        self._table = table

    # -- instances cleanup handled ----------------------------------------------------------------

    async def mark_instance_done(self, instance_id: str, *, at: datetime, summary: Mapping[str, Any]) -> None:
        table = await self._table.client()
        entity = {"PartitionKey": "checkpoint", "RowKey": instance_id, "DoneAt": at, **summary}
        with storage_errors():
            await table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    async def instance_done(self, instance_id: str) -> bool:
        table = await self._table.client()
        with storage_errors():
            try:
                await table.get_entity("checkpoint", instance_id, select=["RowKey"])
            except ResourceNotFoundError:
                return False
        return True

    async def done_instances(self) -> set[str]:
        """Every instance cleanup checkpointed (one query: the sweep skips them in bulk)."""
        return await self._row_keys("PartitionKey eq 'checkpoint'", {})

    # -- the governance sweep: cleanup messages sent, old series drained -------------------------

    async def mark_enqueued(
        self, instance_id: str, *, definition_id: str, group_id: str, at: datetime
    ) -> None:
        """Record a sent cleanup message. Written after the send: a crash in between costs at most a
        duplicate message, which cleanup handles idempotently, never a lost one."""
        table = await self._table.client()
        entity = {"PartitionKey": "enqueued", "RowKey": instance_id, "DefinitionId": definition_id}
        with storage_errors():
            await table.upsert_entity(
                entity | {"GroupId": group_id, "EnqueuedAt": at}, mode=UpdateMode.REPLACE
            )

    async def enqueued_round(self, instance_id: str) -> EnqueuedRound | None:
        """The cleanup message the sweep sent for ``instance_id``, if it sent one."""
        table = await self._table.client()
        with storage_errors():
            try:
                entity = await table.get_entity("enqueued", instance_id)
            except ResourceNotFoundError:
                return None
        return EnqueuedRound(instance_id, entity["DefinitionId"], entity["GroupId"], entity["EnqueuedAt"])

    async def enqueued_instances(self, definition_id: str) -> set[str]:
        """The instances of one definition already enqueued: one query per sweep, not one per instance."""
        query = "PartitionKey eq 'enqueued' and DefinitionId eq @definition"
        return await self._row_keys(query, {"definition": definition_id})

    async def mark_drained(self, definition_id: str, *, at: datetime) -> None:
        """An ended series whose every instance was handed to cleanup: later sweeps skip it."""
        table = await self._table.client()
        with storage_errors():
            await table.upsert_entity({"PartitionKey": "drained", "RowKey": definition_id, "At": at})

    async def drained_definitions(self) -> set[str]:
        return await self._row_keys("PartitionKey eq 'drained'", {})

    async def _row_keys(self, query: str, parameters: dict[str, Any]) -> set[str]:
        table = await self._table.client()
        with storage_errors():
            entities = table.query_entities(query, parameters=parameters, select=["RowKey"])
            return {e["RowKey"] async for e in entities}
