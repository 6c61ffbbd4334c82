"""The mass-removal guard's rule and its release record (the whole stop-and-release story is in
test_safety.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.cleanup import audit, guard
from shared.cleanup.decisions import DecisionTally
from shared.cleanup.settings import CleanupSettings
from shared.state import AuditRecord
from tests.shared.cleanup.fixtures import REAL

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("denied", "total", "settings", "trips"),
    [
        (5, 10, REAL, False),  # exactly the share: allowed
        (6, 9, REAL, False),  # fewer decisions than CLEANUP_GUARD_MIN_DECISIONS
        (2, 4, CleanupSettings(guard_min_decisions=3, max_denial_share=0.4), True),
        (10, 10, CleanupSettings(max_denial_share=1.0), False),  # 1.0 turns the guard off
    ],
)
def test_guard_thresholds(denied: int, total: int, settings: CleanupSettings, trips: bool) -> None:
    tally = DecisionTally()
    tally.add_page([{"decision": "Deny"}] * denied + [{"decision": "Approve"}] * (total - denied))
    assert guard.trips(settings, tally) is trips


def test_release_records_are_found_by_the_round_prefix() -> None:
    record = AuditRecord(
        "guard-release", "released", NOW, instance_id="i", key=audit.key("i", "guard-release")
    )
    assert guard.released([record])
    assert record.key is not None
    assert record.key.startswith(audit.prefix("i"))
