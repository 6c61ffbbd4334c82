"""A round's denials and disabled guests written in bulk (queries of 14 keys, transactions of 100)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from azure.data.tables.aio import TableClient

from shared.state import StateStore, Table

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def bulk_store(storage_connection_string: str) -> AsyncIterator[StateStore]:
    table = TableClient.from_connection_string(storage_connection_string, f"t{uuid.uuid4().hex[:12]}")
    store = StateStore.over(Table(table))
    yield store
    await table.delete_table()
    await store.close()


def guests(count: int) -> list[str]:
    return [str(uuid.UUID(int=n)) for n in range(count)]


async def test_bulk_denials_keep_the_latest_across_queries_and_transactions(bulk_store: StateStore) -> None:
    ids = guests(130)  # 10 queries of up to 14 keys, 2 transactions
    await bulk_store.denials.record_denial(ids[0], "instance-later", NOW + timedelta(days=1))
    await bulk_store.denials.record_denial(ids[20], "instance-earlier", NOW - timedelta(days=90))
    await bulk_store.denials.record_denials(dict.fromkeys(ids, NOW), "instance-now")
    found = {g: await bulk_store.denials.latest_denial(g) for g in ids}
    assert all(d is not None for d in found.values())
    assert {g: d.instance_id for g, d in found.items() if d and d.instance_id != "instance-now"} == {
        ids[0]: "instance-later"
    }
    await bulk_store.denials.record_denials({}, "nothing")  # no request at all


async def test_bulk_disabled_keep_their_first_date_on_a_re_run(bulk_store: StateStore) -> None:
    ids = guests(150)
    await bulk_store.disabled.record_disabled(ids[120], instance_id="i-first", at=NOW - timedelta(days=3))
    await bulk_store.disabled.record_disabled_many(ids, instance_id="i-bulk", at=NOW)
    await bulk_store.disabled.record_disabled_many(
        ids[:10], instance_id="i-again", at=NOW + timedelta(days=9)
    )
    disabled = {d.guest_id: d for d in await bulk_store.disabled.disabled_before(NOW + timedelta(days=365))}
    assert set(disabled) == set(ids)
    assert disabled[ids[120]].instance_id == "i-first"
    assert {d.instance_id for g, d in disabled.items() if g != ids[120]} == {"i-bulk"}
