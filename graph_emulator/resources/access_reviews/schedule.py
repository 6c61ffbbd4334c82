"""When the occurrences of a series start, from its ``recurrence`` (``patternedRecurrence``).

Graph supports only ``type`` (``weekly``, ``absoluteMonthly``), ``interval`` and ``dayOfMonth`` of
the pattern, and takes the start day from ``range.startDate``. The emulator's rules, where the
docs are silent:
- the series begins at ``max(startDate 00:00 UTC, creation time)``: a definition created on (or
  after) its start date starts its first instance at once, as the tutorial shows;
- later occurrences start at 00:00 UTC on ``startDate + k * interval`` (months or weeks), on
  ``dayOfMonth`` when it is set (clamped to the month's length), skipping dates already passed;
- the range ends by ``endDate`` (inclusive), by ``numberOfOccurrences`` (``numbered`` with a
  positive count; with 0, as the beta tutorial sends, ``endDate`` decides), or never (``noEnd``);
- no pattern means a one-time review: one occurrence.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _add_months(day: date, months: int, day_of_month: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    wanted = day_of_month or day.day
    return date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


def _dates(pattern: dict[str, Any], start: date) -> Iterator[date]:
    interval = int(pattern.get("interval") or 1)
    k = 1
    while True:
        if pattern["type"] == "weekly":
            yield start + timedelta(weeks=interval * k)
        else:
            yield _add_months(start, interval * k, int(pattern.get("dayOfMonth") or 0))
        k += 1


def _limits(recurrence: dict[str, Any]) -> tuple[date | None, int | None]:
    rng = recurrence["range"]
    end = date.fromisoformat(rng["endDate"]) if rng.get("endDate") and rng["type"] != "noEnd" else None
    count = int(rng.get("numberOfOccurrences") or 0)
    return end, (count if rng["type"] == "numbered" and count > 0 else None)


def next_start(
    recurrence: dict[str, Any] | None, created: datetime, started: int, last_start: datetime | None
) -> datetime | None:
    """The start of the next occurrence after ``started`` of them, or None when the series is over."""
    if recurrence is None or not recurrence.get("range"):
        return created if started == 0 else None
    start_date = date.fromisoformat(recurrence["range"]["startDate"])
    begin = max(midnight(start_date), created)
    end, count = _limits(recurrence)
    if count is not None and started >= count:
        return None
    if started == 0 or last_start is None:
        candidate: datetime | None = begin
    elif not recurrence.get("pattern"):
        return None
    else:
        candidate = None
        for day in _dates(recurrence["pattern"], start_date):
            if end is not None and day > end:
                return None
            if midnight(day) > last_start:
                candidate = midnight(day)
                break
    if candidate is not None and end is not None and candidate.date() > end:
        return None
    return candidate
