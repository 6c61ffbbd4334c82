"""The cadence a new series starts on, and whether an existing series keeps it (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from shared.governance.definition import ReviewPolicy
from shared.governance.schedule import add_months, on_cadence, series_start

QUARTERLY = ReviewPolicy(start_date=dt.date(2025, 1, 31))
D = dt.date


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2024, 12, 1), D(2025, 1, 31)),  # the anchor is still ahead
        (D(2025, 1, 31), D(2025, 1, 31)),  # today is a cadence date: start today
        (D(2025, 2, 1), D(2025, 4, 30)),  # clamped to the month's length, like Graph
        (D(2026, 1, 5), D(2026, 1, 31)),
        (D(2026, 2, 1), D(2026, 4, 30)),
    ],
)
def test_series_start_follows_the_anchor(today: dt.date, expected: dt.date) -> None:
    assert series_start(QUARTERLY, today) == expected


def test_without_an_anchor_a_series_starts_next_quarter_and_any_start_is_fine() -> None:
    assert series_start(ReviewPolicy(), D(2026, 1, 5)) == D(2026, 4, 1)
    assert on_cadence(ReviewPolicy(), D(2031, 7, 19))


def test_weekly_cadence() -> None:
    fortnightly = ReviewPolicy(recurrence_type="weekly", recurrence_interval=2, start_date=D(2026, 1, 5))
    assert series_start(fortnightly, D(2026, 1, 6)) == D(2026, 1, 19)
    assert series_start(fortnightly, D(2026, 1, 19)) == D(2026, 1, 19)
    assert on_cadence(fortnightly, D(2026, 2, 2))
    assert not on_cadence(fortnightly, D(2026, 1, 12))


def test_on_cadence() -> None:
    assert on_cadence(QUARTERLY, D(2025, 4, 30))
    assert on_cadence(QUARTERLY, D(2026, 1, 31))
    assert not on_cadence(QUARTERLY, D(2025, 2, 28))  # a month off
    assert not on_cadence(QUARTERLY, D(2025, 4, 29))  # a day off
    assert not on_cadence(QUARTERLY, D(2024, 10, 31))  # before the anchor
    assert on_cadence(replace(QUARTERLY, recurrence_interval=1), D(2025, 2, 28))


def test_add_months_clamps() -> None:
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2024, 11, 30), 3) == D(2025, 2, 28)
