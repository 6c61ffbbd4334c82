"""The 'disabled' partition of the state table, on Azurite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from azure.data.tables.aio import TableClient

from shared.state import StateStore, Table


async def test_disabled_guests_are_listed_by_age_and_keep_their_first_date(
    storage_connection_string: str,
) -> None:
    table = TableClient.from_connection_string(storage_connection_string, f"t{uuid.uuid4().hex[:12]}")
    store = StateStore.over(Table(table))
    start = datetime(2026, 4, 1, tzinfo=UTC)
    try:
        await store.disabled.record_disabled("g-old", instance_id="i-1", at=start)
        await store.disabled.record_disabled("g-new", instance_id="i-2", at=start + timedelta(days=20))
        await store.disabled.record_disabled(
            "g-old", instance_id="i-9", at=start + timedelta(days=40)
        )  # re-run
        due = await store.disabled.disabled_before(start + timedelta(days=10))
        assert [(d.guest_id, d.instance_id, d.disabled_at) for d in due] == [("g-old", "i-1", start)]
        await store.disabled.clear_disabled("g-old")
        await store.disabled.clear_disabled("g-old")  # idempotent
        assert await store.disabled.disabled_before(start + timedelta(days=365)) != []
        assert [d.guest_id for d in await store.disabled.disabled_before(start + timedelta(days=365))] == [
            "g-new"
        ]
    finally:
        await table.delete_table()
        await store.close()


async def test_the_first_dates_of_many_guests_are_read_fourteen_keys_a_query(
    storage_connection_string: str,
) -> None:
    """What an offboarding reads to answer ``deleteAfter``: only the guests that have a date."""
    table = TableClient.from_connection_string(storage_connection_string, f"t{uuid.uuid4().hex[:12]}")
    store = StateStore.over(Table(table))
    start = datetime(2026, 4, 1, tzinfo=UTC)
    dated = [f"g-{n:02d}" for n in range(30)]  # more than two queries' worth
    try:
        await store.disabled.record_disabled_many(dated, instance_id="offboarding", at=start)
        since = await store.disabled.disabled_since([*dated, "g-never", "g-05"])
        assert since == dict.fromkeys(dated, start)
        assert await store.disabled.disabled_since([]) == {}
    finally:
        await table.delete_table()
        await store.close()
