"""The latest review denial of each guest: cleanup writes it, onboarding's cool-down reads it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.state.records import Denial
from shared.state.table import TRANSACTION_SIZE, Table, storage_errors


class Denials:
    """The ``denial`` partition, keyed by guest id."""

    partitions = frozenset({"denial"})

    def __init__(self, table: Table) -> None:
        self._table = table

    async def record_denial(self, guest_id: str, instance_id: str, at: datetime) -> None:
        """Remember that a review denied ``guest_id`` (the latest denial wins)."""
        await self.record_denials({guest_id: at}, instance_id)

    async def record_denials(self, denied_at: Mapping[str, datetime], instance_id: str) -> None:
        """``record_denial`` for a whole round: the stored dates are read 14 guests a query and the
        newer denials written 100 a transaction, instead of a read and an upsert per guest."""
        stored = await self._table.rows("denial", denied_at, ["DeniedAt"])
        rows = [
            {"PartitionKey": "denial", "RowKey": guest, "InstanceId": instance_id, "DeniedAt": at}
            for guest, at in denied_at.items()
            if guest not in stored or stored[guest]["DeniedAt"] <= at
        ]
        table = await self._table.client()
        with storage_errors():
            for start in range(0, len(rows), TRANSACTION_SIZE):
                chunk = rows[start : start + TRANSACTION_SIZE]
                await table.submit_transaction([("upsert", e, {"mode": UpdateMode.REPLACE}) for e in chunk])

    async def latest_denial(self, guest_id: str) -> Denial | None:
        table = await self._table.client()
        with storage_errors():
            try:
                entity = await table.get_entity("denial", guest_id)
            except ResourceNotFoundError:
                return None
        return Denial(guest_id, entity["InstanceId"], entity["DeniedAt"])
