"""Who an address became: the onboarding record decides 201 or 200, leads the cool-down check from
an address to a guest id, tells the governance run which pending guests Guestkeeper invited, and
keeps HR's ``externalRef`` for the HR callbacks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.state.records import OnboardingRecord
from shared.state.table import KEYS_PER_QUERY, Table, storage_errors


def _record(entity: Mapping[str, Any]) -> OnboardingRecord:
    return OnboardingRecord(
        entity["RowKey"], entity["GuestId"], entity["CreatedAt"], entity.get("ExternalRef")
    )


class OnboardingRecords:
    """The ``onboarding`` partition, keyed by the address hash."""

    partitions = frozenset({"onboarding"})

    def __init__(self, table: Table) -> None:
        self._table = table

    async def get_onboarding(self, key: str) -> OnboardingRecord | None:
        table = await self._table.client()
        with storage_errors():
            try:
                entity = await table.get_entity("onboarding", key)
            except ResourceNotFoundError:
                return None
        return _record(entity)

    async def find_onboardings(self, keys: Sequence[str]) -> dict[str, OnboardingRecord]:
        """The records of these address hashes that exist: 14 keys a query, not one read per key."""
        table = await self._table.client()
        found: dict[str, OnboardingRecord] = {}
        unique = list(dict.fromkeys(keys))
        with storage_errors():
            for start in range(0, len(unique), KEYS_PER_QUERY):
                names = {f"k{i}": key for i, key in enumerate(unique[start : start + KEYS_PER_QUERY])}
                wanted = " or ".join(f"RowKey eq @{name}" for name in names)
                query = f"PartitionKey eq 'onboarding' and ( {wanted} )"  # azure-data-tables splits on spaces
                found |= {
                    e["RowKey"]: _record(e) async for e in table.query_entities(query, parameters=names)
                }
        return found

    async def external_ref_of(self, guest_id: str) -> str | None:
        """HR's ``externalRef`` for a guest id, if an onboarding request carried one (a partition
        query: the partition is keyed by address, which the flows that know only the id lack)."""
        table = await self._table.client()
        query = "PartitionKey eq 'onboarding' and GuestId eq @guest"
        with storage_errors():
            entities = table.query_entities(query, parameters={"guest": guest_id}, select=["ExternalRef"])
            refs = [e.get("ExternalRef") async for e in entities]
        return next((r for r in refs if isinstance(r, str) and r), None)

    async def onboarding_of_guest(self, guest_id: str) -> OnboardingRecord | None:
        """The record that leads to ``guest_id`` (the earliest, if several addresses do): a filtered
        scan of the partition, for the audit's readers, never on an onboarding path."""
        table = await self._table.client()
        query = "PartitionKey eq 'onboarding' and GuestId eq @guest"
        with storage_errors():
            found = [
                OnboardingRecord(e["RowKey"], e["GuestId"], e["CreatedAt"])
                async for e in table.query_entities(query, parameters={"guest": guest_id})
            ]
        return min(found, key=lambda r: r.created_at, default=None)

    async def create_onboarding(self, record: OnboardingRecord) -> bool:
        """Create the record; False if it existed (its guest id and externalRef are updated when the
        request changed them; a request without an externalRef keeps the stored one)."""
        table = await self._table.client()
        entity = {"PartitionKey": "onboarding", "RowKey": record.address_hash, "GuestId": record.guest_id}
        if record.external_ref is not None:
            entity["ExternalRef"] = record.external_ref
        with storage_errors():
            try:
                await table.create_entity(entity | {"CreatedAt": record.created_at})
                return True
            except ResourceExistsError:
                pass
            existing = await table.get_entity("onboarding", record.address_hash)
            if any(existing.get(name) != value for name, value in entity.items()):
                await table.update_entity(entity, mode=UpdateMode.MERGE)
        return False
