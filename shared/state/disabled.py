"""Guests cleanup or offboarding disabled, and when: governance deletes them after the grace period."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime

from azure.core.exceptions import ResourceNotFoundError

from shared.state.records import DisabledGuest
from shared.state.table import Table, storage_errors


class DisabledGuests:
    """The ``disabled`` partition, keyed by guest id."""

    partitions = frozenset({"disabled"})

    def __init__(self, table: Table) -> None:
        self._table = table

    async def record_disabled(self, guest_id: str, *, instance_id: str, at: datetime) -> None:
        """Remember when ``guest_id`` was disabled; the first date is kept on re-runs."""
        await self.record_disabled_many([guest_id], instance_id=instance_id, at=at)

    async def record_disabled_many(self, guest_ids: Iterable[str], *, instance_id: str, at: datetime) -> None:
        """``record_disabled`` for many guests: 100 creates a transaction, first dates still kept."""
        await self._table.create_once(
            [
                {"PartitionKey": "disabled", "RowKey": guest, "InstanceId": instance_id, "DisabledAt": at}
                for guest in dict.fromkeys(guest_ids)
            ]
        )

    async def disabled_guest(self, guest_id: str) -> DisabledGuest | None:
        """When cleanup or an offboarding disabled ``guest_id``, if it is still waiting for its grace
        deletion."""
        table = await self._table.client()
        with storage_errors():
            try:
                entity = await table.get_entity("disabled", guest_id)
            except ResourceNotFoundError:
                return None
        return DisabledGuest(guest_id, entity["InstanceId"], entity["DisabledAt"])

    async def disabled_since(self, guest_ids: Iterable[str]) -> dict[str, datetime]:
        """The recorded date of each guest that has one (14 guests a query)."""
        found = await self._table.rows("disabled", guest_ids, ["DisabledAt"])
        return {guest: row["DisabledAt"] for guest, row in found.items()}

    async def disabled_before(self, cutoff: datetime) -> list[DisabledGuest]:
        """Guests disabled before ``cutoff``, oldest first: the candidates for deletion."""
        table = await self._table.client()
        query = "PartitionKey eq 'disabled' and DisabledAt lt @cutoff"
        with storage_errors():
            found = [
                DisabledGuest(e["RowKey"], e["InstanceId"], e["DisabledAt"])
                async for e in table.query_entities(query, parameters={"cutoff": cutoff})
            ]
        return sorted(found, key=lambda d: d.disabled_at)

    async def clear_disabled(self, guest_id: str) -> None:
        """Forget a disabled guest (deleted, or access restored)."""
        table = await self._table.client()
        with storage_errors(), suppress(ResourceNotFoundError):
            await table.delete_entity("disabled", guest_id)
