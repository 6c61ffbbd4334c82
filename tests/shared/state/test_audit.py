"""Keyed audit rows on Azurite: first write wins, replace on request, prefix scans, decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.state import AuditRecord, StateStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GUEST = "0a5d2f34-6baa-4455-a3e7-0682c2094cac"


def row(key: str, outcome: str, at: datetime = NOW) -> AuditRecord:
    return AuditRecord(
        "remove-membership", outcome, at, guest_id=GUEST, instance_id="i1", decision="Deny", key=key
    )


async def test_keyed_rows_are_written_once_and_the_first_write_wins(store: StateStore) -> None:
    await store.audit.record_audit_once([row("cleanup-i1-a", "removed"), row("cleanup-i1-b", "removed")])
    later = NOW + timedelta(minutes=5)
    await store.audit.record_audit_once(
        [row("cleanup-i1-a", "already-removed", later), row("cleanup-i1-c", "removed")]
    )
    found = await store.audit.audit_with_key_prefix("cleanup-i1-")
    assert {(r.key, r.outcome) for r in found} == {
        ("cleanup-i1-a", "removed"),
        ("cleanup-i1-b", "removed"),
        ("cleanup-i1-c", "removed"),
    }
    assert {r.decision for r in found} == {"Deny"}


async def test_replace_overwrites_and_many_rows_span_transactions(store: StateStore) -> None:
    rows = [row(f"cleanup-i2-{n:03}", "dry-run") for n in range(250)]
    await store.audit.record_audit_once(rows)
    await store.audit.record_audit_once([row("cleanup-i2-007", "would-remove")], replace=True)
    found = {r.key: r.outcome for r in await store.audit.audit_with_key_prefix("cleanup-i2-")}
    assert len(found) == 250
    assert found["cleanup-i2-007"] == "would-remove"
    assert await store.audit.audit_with_key_prefix("cleanup-i3-") == []


async def test_list_audit_is_time_ordered_across_keyed_and_unkeyed_rows(store: StateStore) -> None:
    await store.audit.record_audit_once([row("cleanup-i1-z", "removed", NOW + timedelta(seconds=2))])
    await store.audit.record_audit(AuditRecord("onboard-override", "done", NOW, guest_id=GUEST))
    await store.audit.record_audit_once([row("cleanup-i1-a", "removed", NOW + timedelta(seconds=1))])
    assert [r.key for r in await store.audit.list_audit(guest_id=GUEST)][1:] == [
        "cleanup-i1-a",
        "cleanup-i1-z",
    ]
