"""The audit trail: one row per action, so every change Guestkeeper made can be explained later.
The flows' rows carry stable keys, so a retried delivery or a re-run never duplicates them."""

from __future__ import annotations

from collections.abc import Sequence

from azure.data.tables import UpdateMode

from shared.state.records import AuditRecord
from shared.state.table import TRANSACTION_SIZE, Table, storage_errors


class AuditTrail:
    """The ``audit`` partition."""

    partitions = frozenset({"audit"})

    def __init__(self, table: Table) -> None:
        self._table = table

    async def record_audit(self, record: AuditRecord) -> None:
        table = await self._table.client()
        with storage_errors():
            await table.create_entity(record.entity())

    async def list_audit(
        self, *, guest_id: str | None = None, instance_id: str | None = None
    ) -> list[AuditRecord]:
        """Audit records, oldest first, optionally for one guest and/or one review instance."""
        table = await self._table.client()
        clauses, parameters = ["PartitionKey eq 'audit'"], {}
        if guest_id is not None:
            clauses.append("GuestId eq @guest")
            parameters["guest"] = guest_id
        if instance_id is not None:
            clauses.append("InstanceId eq @instance")
            parameters["instance"] = instance_id
        with storage_errors():
            entities = table.query_entities(" and ".join(clauses), parameters=parameters)
            found = [AuditRecord.from_entity(e) async for e in entities]
        return sorted(found, key=lambda r: r.at)  # stable: keyed rows are not time-ordered

    async def record_audit_once(self, records: Sequence[AuditRecord], *, replace: bool = False) -> None:
        """Write records with stable keys: an existing key is kept (first write wins) unless ``replace``.

        Rows go in entity-group transactions of 100 (one partition, one request each); a
        transaction that meets an existing row falls back to one create per record.
        """
        entities = list({r.key: r.entity() for r in records if r.key}.values())
        if not replace:
            await self._table.create_once(entities)
            return
        table = await self._table.client()
        with storage_errors():
            for start in range(0, len(entities), TRANSACTION_SIZE):
                chunk = entities[start : start + TRANSACTION_SIZE]
                await table.submit_transaction([("upsert", e, {"mode": UpdateMode.REPLACE}) for e in chunk])

    async def audit_with_key_prefix(self, prefix: str) -> list[AuditRecord]:
        """Keyed records whose key starts with ``prefix``: a range scan, not a partition scan."""
        table = await self._table.client()
        query = "PartitionKey eq 'audit' and RowKey ge @low and RowKey lt @high"
        bounds = {"low": prefix, "high": prefix[:-1] + chr(ord(prefix[-1]) + 1)}
        with storage_errors():
            return [AuditRecord.from_entity(e) async for e in table.query_entities(query, parameters=bounds)]
