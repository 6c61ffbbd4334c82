"""Pending invitations the governance run acted on: a reminder is sent once per pending period, and
an expiry is handled once, even when the guest's account stays (it had groups Guestkeeper does not
manage). An expiry is marked as begun before its writes, so a pass cut off half-way is completed
(and audited) by the next one even after the guest has left the pending list. A guest no longer
pending is forgotten once nothing is left to record."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableTransactionError, UpdateMode

from shared.state.records import InvitationMark
from shared.state.table import TRANSACTION_SIZE, Table, storage_errors


class PendingInvitations:
    """The ``invitation`` partition, keyed by guest id."""

    partitions = frozenset({"invitation"})

    def __init__(self, table: Table) -> None:
        self._table = table

    async def marks(self) -> dict[str, InvitationMark]:
        """Every mark, by guest id (one query: the partition holds pending guests only)."""
        table = await self._table.client()
        with storage_errors():
            entities = table.query_entities("PartitionKey eq 'invitation'")
            return {
                e["RowKey"]: InvitationMark(
                    e["RowKey"],
                    e["PendingSince"],
                    reminded_at=e.get("RemindedAt"),
                    expiring_at=e.get("ExpiringAt"),
                    expired_at=e.get("ExpiredAt"),
                )
                async for e in entities
            }

    async def save_marks(self, marks: Iterable[InvitationMark]) -> None:
        """Write marks (each replaces the guest's earlier one), 100 a transaction."""
        rows = []
        for mark in marks:
            row = {"PartitionKey": "invitation", "RowKey": mark.guest_id, "PendingSince": mark.pending_since}
            optional = {"RemindedAt": mark.reminded_at, "ExpiringAt": mark.expiring_at}
            optional |= {"ExpiredAt": mark.expired_at}
            rows.append(row | {k: v for k, v in optional.items() if v is not None})
        table = await self._table.client()
        with storage_errors():
            for start in range(0, len(rows), TRANSACTION_SIZE):
                chunk = rows[start : start + TRANSACTION_SIZE]
                await table.submit_transaction(
                    [("upsert", row, {"mode": UpdateMode.REPLACE}) for row in chunk]
                )

    async def forget(self, guest_ids: Iterable[str]) -> None:
        """Drop the marks of guests no longer pending, 100 a transaction; a transaction that meets
        a mark already gone falls back to one delete per mark."""
        rows = [{"PartitionKey": "invitation", "RowKey": g} for g in dict.fromkeys(guest_ids)]
        table = await self._table.client()
        with storage_errors():
            for start in range(0, len(rows), TRANSACTION_SIZE):
                chunk = rows[start : start + TRANSACTION_SIZE]
                try:
                    await table.submit_transaction([("delete", row) for row in chunk])
                except TableTransactionError:
                    for row in chunk:
                        with suppress(ResourceNotFoundError):
                            await table.delete_entity(row["PartitionKey"], row["RowKey"])
