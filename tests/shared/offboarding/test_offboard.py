"""The offboarding request budget at HR-sync size, counted with the emulator's request log: every
step is one round of ``$batch`` requests for all the guests (20 items each)."""

from __future__ import annotations

import math
from typing import Any

from graph_emulator import TenantState
from tests.shared.conftest import FEELGOOD
from tests.shared.offboarding.fixtures import (
    DISABLE,
    GROUPS_OF,
    REMOVE,
    SEARCH,
    contractor,
    leaving,
    operations,
    unmanaged_group,
)

ALONE, ELSEWHERE = 30, 15  # guests in a managed group only; guests also in an unmanaged group


async def test_bulk_offboarding_costs_one_round_of_batches_per_step(
    offboard: Any, emulator_state: TenantState
) -> None:
    extranet = unmanaged_group(emulator_state)
    alone = [contractor(emulator_state, f"Alone{n}", FEELGOOD) for n in range(ALONE)]
    elsewhere = [contractor(emulator_state, f"Elsewhere{n}", FEELGOOD, extranet) for n in range(ELSEWHERE)]
    total = ALONE + ELSEWHERE
    emulator_state.requests.clear()

    reply = await offboard({"guests": [leaving(g.mail) for g in (*alone, *elsewhere)]}, bulk=True)

    assert reply.json["summary"] == {"total": total, "offboarded": total, "refused": 0, "failed": 0}
    accounts = [r["guest"]["account"] for r in reply.json["results"]]
    assert accounts == ["disabled"] * ALONE + ["keptOtherAccess"] * ELSEWHERE
    assert operations(emulator_state) == {SEARCH: total, GROUPS_OF: total, REMOVE: total, DISABLE: ALONE}
    batches = 3 * math.ceil(total / 20) + math.ceil(ALONE / 20)  # searches, groups, removals; disables
    assert emulator_state.requests.round_trips == batches == 11
    assert emulator_state.requests.summary()["byRoute"] == {"POST /v1.0/$batch": batches}
