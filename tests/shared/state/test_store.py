"""The state table on Azurite: atomic claims, onboarding records, denials, audit, checkpoints, and the
audit readers' look-ups."""

from __future__ import annotations

import asyncio
import typing
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import ServiceRequestError

from shared.errors import StateUnavailable
from shared.state import (
    STALE_CLAIM,
    AuditRecord,
    Claim,
    DisabledGuest,
    EnqueuedRound,
    OnboardingRecord,
    StateStore,
    Table,
    address_hash,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GUEST = "0a5d2f34-6baa-4455-a3e7-0682c2094cac"


def test_each_partition_belongs_to_exactly_one_concern() -> None:
    """The concerns share one table: two claiming a partition would read and overwrite each other's rows."""
    hints = typing.get_type_hints(StateStore)
    owned = [hints[f.name].partitions for f in fields(StateStore) if f.name != "table"]
    every = {p for partitions in owned for p in partitions}
    assert sum(len(partitions) for partitions in owned) == len(every)
    assert every == {
        "webhook",
        "onboarding",
        "denial",
        "disabled",
        "audit",
        "checkpoint",
        "enqueued",
        "drained",
        "invitation",
    }


def test_address_hash_is_normalised_and_not_the_address() -> None:
    key = address_hash("Ada@Fabrikam.com ")
    assert key == address_hash("ada@fabrikam.com")
    assert len(key) == 64
    assert "ada" not in key


async def test_a_webhook_id_is_claimed_once_even_concurrently(store: StateStore) -> None:
    claims = await asyncio.gather(*(store.webhooks.claim_webhook("msg_1", now=NOW) for _ in range(10)))
    assert claims.count(Claim.CLAIMED) == 1
    assert set(claims) == {Claim.CLAIMED, Claim.IN_PROGRESS}


async def test_finished_claims_are_replays_released_ones_are_claimable(store: StateStore) -> None:
    assert await store.webhooks.claim_webhook("done", now=NOW) is Claim.CLAIMED
    await store.webhooks.finish_webhook("done", status=201, now=NOW)
    assert await store.webhooks.claim_webhook("done", now=NOW) is Claim.REPLAYED
    assert await store.webhooks.claim_webhook("refused", now=NOW) is Claim.CLAIMED
    await store.webhooks.finish_webhook("refused", status=403, now=NOW)
    assert await store.webhooks.claim_webhook("refused", now=NOW) is Claim.REPLAYED
    assert await store.webhooks.claim_webhook("failed", now=NOW) is Claim.CLAIMED
    await store.webhooks.release_webhook("failed")
    assert await store.webhooks.claim_webhook("failed", now=NOW) is Claim.CLAIMED


async def test_a_stale_in_progress_claim_is_taken_over(store: StateStore) -> None:
    assert await store.webhooks.claim_webhook("crashed", now=NOW) is Claim.CLAIMED
    later = NOW + STALE_CLAIM + timedelta(seconds=1)
    results = await asyncio.gather(*(store.webhooks.claim_webhook("crashed", now=later) for _ in range(5)))
    assert results.count(Claim.CLAIMED) == 1


async def test_webhook_ids_with_any_characters(store: StateStore) -> None:
    for ident in ["a/b#c?d", "x" * 256, "msg_ümlaut"]:
        assert await store.webhooks.claim_webhook(ident, now=NOW) is Claim.CLAIMED


async def test_purge_old_claims(store: StateStore) -> None:
    await store.webhooks.claim_webhook("old", now=NOW - timedelta(days=2))
    await store.webhooks.claim_webhook("new", now=NOW)
    assert await store.webhooks.purge_webhook_claims(older_than=NOW - timedelta(days=1)) == 1
    assert await store.webhooks.claim_webhook("old", now=NOW) is Claim.CLAIMED
    assert await store.webhooks.claim_webhook("new", now=NOW) is Claim.IN_PROGRESS


async def test_onboarding_records_are_created_once(store: StateStore) -> None:
    key = address_hash("ada@fabrikam.com")
    assert await store.onboarding.get_onboarding(key) is None
    created = await asyncio.gather(
        *(store.onboarding.create_onboarding(OnboardingRecord(key, GUEST, NOW)) for _ in range(5))
    )
    assert created.count(True) == 1
    record = await store.onboarding.get_onboarding(key)
    assert record is not None
    assert record.guest_id == GUEST
    assert record.created_at == NOW


async def test_a_recreated_guest_updates_the_record(store: StateStore) -> None:
    key = address_hash("ada@fabrikam.com")
    await store.onboarding.create_onboarding(OnboardingRecord(key, GUEST, NOW))
    assert await store.onboarding.create_onboarding(OnboardingRecord(key, "new-guest-id", NOW)) is False
    record = await store.onboarding.get_onboarding(key)
    assert record is not None
    assert record.guest_id == "new-guest-id"


async def test_the_audit_finds_a_guests_onboarding_record_disabled_date_and_hand_over(
    store: StateStore,
) -> None:
    """The readers' look-ups by guest or instance id (the onboarding partition is keyed by address)."""
    assert await store.onboarding.onboarding_of_guest(GUEST) is None
    later = NOW + timedelta(days=1)
    await store.onboarding.create_onboarding(OnboardingRecord(address_hash("b@fabrikam.com"), GUEST, later))
    await store.onboarding.create_onboarding(OnboardingRecord(address_hash("a@fabrikam.com"), GUEST, NOW))
    await store.onboarding.create_onboarding(OnboardingRecord(address_hash("c@fabrikam.com"), "other", NOW))
    found = await store.onboarding.onboarding_of_guest(GUEST)
    assert found == OnboardingRecord(address_hash("a@fabrikam.com"), GUEST, NOW)  # the earliest
    assert await store.disabled.disabled_guest(GUEST) is None
    await store.disabled.record_disabled(GUEST, instance_id="i-1", at=NOW)
    assert await store.disabled.disabled_guest(GUEST) == DisabledGuest(GUEST, "i-1", NOW)
    assert await store.reviews.enqueued_round("i-1") is None
    await store.reviews.mark_enqueued("i-1", definition_id="d-1", group_id="g-1", at=NOW)
    assert await store.reviews.enqueued_round("i-1") == EnqueuedRound("i-1", "d-1", "g-1", NOW)


async def test_denials_keep_the_latest(store: StateStore) -> None:
    assert await store.denials.latest_denial(GUEST) is None
    await store.denials.record_denial(GUEST, "instance-2", NOW)
    await store.denials.record_denial(GUEST, "instance-1", NOW - timedelta(days=90))
    denial = await store.denials.latest_denial(GUEST)
    assert denial is not None
    assert (denial.instance_id, denial.denied_at) == ("instance-2", NOW)


async def test_audit_queries_by_guest_and_instance(store: StateStore) -> None:
    await store.audit.record_audit(
        AuditRecord("remove-member", "done", NOW, guest_id=GUEST, instance_id="i1", group_id="g")
    )
    await store.audit.record_audit(
        AuditRecord("disable", "done", NOW + timedelta(seconds=1), guest_id=GUEST, instance_id="i2")
    )
    await store.audit.record_audit(
        AuditRecord("remove-member", "done", NOW, guest_id="other", instance_id="i1")
    )
    assert [r.action for r in await store.audit.list_audit(guest_id=GUEST)] == ["remove-member", "disable"]
    assert len(await store.audit.list_audit(instance_id="i1")) == 2
    only = await store.audit.list_audit(guest_id=GUEST, instance_id="i2")
    assert only == [
        AuditRecord("disable", "done", NOW + timedelta(seconds=1), guest_id=GUEST, instance_id="i2")
    ]


async def test_checkpoints(store: StateStore) -> None:
    assert await store.reviews.instance_done("i1") is False
    await store.reviews.mark_instance_done("i1", at=NOW, summary={"Denied": 3, "Removed": 2})
    assert await store.reviews.instance_done("i1") is True


async def test_storage_failures_become_state_unavailable() -> None:
    from azure.data.tables.aio import TableClient

    table = TableClient.from_connection_string(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        "TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
        "gkdown",
        retry_total=0,
    )
    store = StateStore.over(Table(table))
    with pytest.raises(StateUnavailable) as caught:
        await store.webhooks.claim_webhook("x", now=NOW)
    assert isinstance(caught.value.__cause__, ServiceRequestError)
    await store.close()
