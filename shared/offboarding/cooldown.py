"""Step 2, the re-onboarding cool-down, set before any Graph write unless the request says
``"cooldown": false``: a denial dated now (the one onboarding's cool-down reads, under the instance
id ``offboarding``) and the address's onboarding record pointing at this guest, so that onboarding
finds the denial from the address even for a guest it never onboarded. State table only."""

from __future__ import annotations

import asyncio
from datetime import datetime

from shared.offboarding.leaver import Leaver
from shared.state import OFFBOARDING, Denials, OnboardingRecord, OnboardingRecords

STATE_CONCURRENCY = 16


async def set_cooldown(
    denials: Denials, records: OnboardingRecords, leavers: list[Leaver], now: datetime
) -> None:
    cooling = [leaver for leaver in leavers if leaver.request.cooldown]
    if not cooling:
        return
    await denials.record_denials({leaver.guest_id: now for leaver in cooling}, OFFBOARDING)
    gate = asyncio.Semaphore(STATE_CONCURRENCY)

    async def point(leaver: Leaver) -> None:
        async with gate:
            await records.create_onboarding(OnboardingRecord(leaver.key, leaver.guest_id, now))

    await asyncio.gather(*(point(leaver) for leaver in cooling))
