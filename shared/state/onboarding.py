"""Who an address became: the onboarding record decides 201 or 200 and leads the cool-down check
from an address to a guest id."""

from __future__ import annotations

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.state.records import OnboardingRecord
from shared.state.table import Table, storage_errors


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
        return OnboardingRecord(key, entity["GuestId"], entity["CreatedAt"])

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
        """Create the record; False if it existed (its guest id is updated if the guest changed)."""
        table = await self._table.client()
        entity = {"PartitionKey": "onboarding", "RowKey": record.address_hash, "GuestId": record.guest_id}
        with storage_errors():
            try:
                await table.create_entity(entity | {"CreatedAt": record.created_at})
                return True
            except ResourceExistsError:
                pass
            existing = await table.get_entity("onboarding", record.address_hash)
            if existing["GuestId"] != record.guest_id:
                await table.update_entity(entity, mode=UpdateMode.MERGE)
        return False
