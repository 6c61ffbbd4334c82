"""NCRONTAB schedules: six fields, NCrontab's grammar and day matching, TimeSpan intervals."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from croniter import croniter

from devhost.ncrontab import CronSchedule, IntervalSchedule, ScheduleError, parse_schedule

MONDAY_9AM = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


def occurrences(expression: str, start: datetime, count: int = 3) -> list[datetime]:
    schedule, found, moment = parse_schedule(expression), [], start
    for _ in range(count):
        moment = schedule.next_after(moment)
        found.append(moment)
    return found


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "start", "expected"),
    [
        ("0 */5 * * * *", MONDAY_9AM, [at(2026, 1, 5, 9, 5), at(2026, 1, 5, 9, 10), at(2026, 1, 5, 9, 15)]),
        (
            "*/10 * * * * *",
            MONDAY_9AM,
            [at(2026, 1, 5, 9, 0, 10), at(2026, 1, 5, 9, 0, 20), at(2026, 1, 5, 9, 0, 30)],
        ),
        ("0 0 2 * * *", MONDAY_9AM, [at(2026, 1, 6, 2), at(2026, 1, 7, 2), at(2026, 1, 8, 2)]),
        ("0 30 9 * * 1-5", MONDAY_9AM, [at(2026, 1, 5, 9, 30), at(2026, 1, 6, 9, 30), at(2026, 1, 7, 9, 30)]),
        # Friday after 9:30: the weekday schedule skips the weekend.
        (
            "0 30 9 * * 1-5",
            at(2026, 1, 9, 10),
            [at(2026, 1, 12, 9, 30), at(2026, 1, 13, 9, 30), at(2026, 1, 14, 9, 30)],
        ),
        # An occurrence is strictly after the base time.
        (
            "0 */5 * * * *",
            at(2026, 1, 5, 9, 5),
            [at(2026, 1, 5, 9, 10), at(2026, 1, 5, 9, 15), at(2026, 1, 5, 9, 20)],
        ),
    ],
)
def test_next_occurrences(expression: str, start: datetime, expected: list[datetime]) -> None:
    assert occurrences(expression, start) == expected


def test_day_of_month_and_day_of_week_must_both_match() -> None:
    """NCrontab ANDs the two day fields (Unix cron would OR them): Friday the 13th."""
    assert occurrences("0 0 0 13 * 5", MONDAY_9AM, 2) == [at(2026, 2, 13), at(2026, 3, 13)]


def test_names_match_by_prefix_and_steps_from_a_value_run_to_the_maximum() -> None:
    assert occurrences("0 0 12 * Feb Sun", MONDAY_9AM, 1) == [at(2026, 2, 1, 12)]
    assert occurrences("0 0 0 1 January-mar *", at(2026, 1, 1, 1), 2) == [at(2026, 2, 1), at(2026, 3, 1)]
    assert CronSchedule.parse("50/5 * * * * *").seconds == frozenset({50, 55})
    assert CronSchedule.parse("1,3-5,*/30 * * * * *").seconds == frozenset({0, 1, 3, 4, 5, 30})


@pytest.mark.parametrize(
    "expression",
    [
        "0 */5 * * *",
        "0 0 0 * * * *",
        "60 * * * * *",
        "* * * * * 7",
        "* * * * * ?",
        "* * * L * *",
        "*/0 * * * * *",
        "5-1 * * * * *",
        "x * * * * *",
        "* * * * Foo *",
    ],
)
def test_invalid_expressions_fail_like_the_host(expression: str) -> None:
    with pytest.raises(
        ScheduleError, match="was not recognized as a valid cron expression or timespan string"
    ):
        parse_schedule(expression)


def test_timespan_schedules_are_intervals() -> None:
    schedule = parse_schedule("00:00:30")
    assert schedule == IntervalSchedule(timedelta(seconds=30))
    assert schedule.next_after(MONDAY_9AM) == at(2026, 1, 5, 9, 0, 30)


def test_impossible_dates_are_reported() -> None:
    with pytest.raises(ScheduleError, match="no occurrence"):
        parse_schedule("0 0 0 30 2 *").next_after(MONDAY_9AM)


def _random_field(rng: random.Random, low: int, high: int) -> str:
    kind = rng.choice(["*", "step", "value", "range", "list"])
    if kind == "*":
        return "*"
    if kind == "step":
        return f"*/{rng.randint(1, max(1, (high - low) // 2))}"
    a, b = sorted(rng.sample(range(low, high + 1), 2))
    return {"value": str(a), "range": f"{a}-{b}", "list": f"{a},{b}"}[kind]


def test_agrees_with_croniter_on_the_common_grammar() -> None:
    """Cross-check with croniter (seconds first, AND-ed day fields) on seeded random expressions."""
    rng = random.Random(20260105)
    bounds = [(0, 59), (0, 59), (0, 23), (1, 28), (1, 12), (0, 6)]
    for _ in range(300):
        expression = " ".join(_random_field(rng, lo, hi) for lo, hi in bounds)
        start = MONDAY_9AM + timedelta(seconds=rng.randint(0, 400 * 86400))
        reference = croniter(expression, start, second_at_beginning=True, day_or=False)
        expected = [reference.get_next(datetime) for _ in range(4)]
        assert occurrences(expression, start, 4) == expected, expression
