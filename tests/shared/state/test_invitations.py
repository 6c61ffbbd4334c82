"""The ``invitation`` partition and HR's externalRef on onboarding records, on Azurite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.state import InvitationMark, OnboardingRecord, StateStore, address_hash

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=10)
GUEST = "0a5d2f34-6baa-4455-a3e7-0682c2094cac"
OTHER = "1b6e3a45-7cbb-4566-b4f8-1793d3105dbd"


async def test_marks_are_saved_replaced_and_forgotten(store: StateStore) -> None:
    assert await store.invitations.marks() == {}
    reminded = InvitationMark(GUEST, SINCE, reminded_at=NOW)
    await store.invitations.save_marks([reminded, InvitationMark(OTHER, SINCE, expiring_at=NOW)])
    assert await store.invitations.marks() == {
        GUEST: reminded,
        OTHER: InvitationMark(OTHER, SINCE, expiring_at=NOW),
    }

    done = InvitationMark(OTHER, SINCE, expiring_at=NOW, expired_at=NOW + timedelta(minutes=1))
    await store.invitations.save_marks([done])
    assert (await store.invitations.marks())[OTHER] == done

    await store.invitations.forget([OTHER, "never-marked"])
    assert set(await store.invitations.marks()) == {GUEST}


async def test_many_marks_go_in_transactions_of_a_hundred(store: StateStore) -> None:
    marks = [InvitationMark(f"guest-{n:03}", SINCE, reminded_at=NOW) for n in range(230)]
    await store.invitations.save_marks(marks)
    assert len(await store.invitations.marks()) == 230
    await store.invitations.forget(m.guest_id for m in marks)
    assert await store.invitations.marks() == {}


async def test_the_onboarding_record_keeps_hrs_reference(store: StateStore) -> None:
    key = address_hash("ada@fabrikam.com")
    assert await store.onboarding.create_onboarding(OnboardingRecord(key, GUEST, NOW, "HR-1001"))
    assert await store.onboarding.external_ref_of(GUEST) == "HR-1001"
    # a later request without a reference keeps it; one with another reference replaces it
    assert not await store.onboarding.create_onboarding(OnboardingRecord(key, GUEST, NOW))
    assert await store.onboarding.external_ref_of(GUEST) == "HR-1001"
    assert not await store.onboarding.create_onboarding(OnboardingRecord(key, GUEST, NOW, "HR-2002"))
    record = await store.onboarding.get_onboarding(key)
    assert record is not None
    assert (record.guest_id, record.external_ref, record.created_at) == (GUEST, "HR-2002", NOW)
    assert await store.onboarding.external_ref_of(OTHER) is None


async def test_onboarding_records_are_found_fourteen_keys_a_query(store: StateStore) -> None:
    addresses = [f"guest{n}@fabrikam.com" for n in range(30)]
    for n, address in enumerate(addresses[:20]):
        await store.onboarding.create_onboarding(OnboardingRecord(address_hash(address), f"id-{n}", NOW))
    found = await store.onboarding.find_onboardings([address_hash(a) for a in addresses])
    assert {r.guest_id for r in found.values()} == {f"id-{n}" for n in range(20)}
    assert await store.onboarding.find_onboardings([]) == {}
