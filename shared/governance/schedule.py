"""When a review series should start, and whether an existing series keeps the configured cadence.

Pure. ``REVIEW_START_DATE`` anchors the cadence (``startDate + k * interval`` months or weeks, on
the start's day of the month, clamped to the month's length, as Graph schedules rounds). A series
created after the anchor has passed starts on the next date of that cadence instead of at once:
a replacement series must not open a second round beside the one still running. Without an
anchor, a new series starts on the first day of the next quarter and any start is accepted.
"""

from __future__ import annotations

import calendar
import datetime as dt

from shared.governance.definition import ReviewPolicy, next_quarter_start


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _step(policy: ReviewPolicy, anchor: dt.date, k: int) -> dt.date:
    if policy.recurrence_type == "weekly":
        return anchor + dt.timedelta(weeks=policy.recurrence_interval * k)
    return add_months(anchor, policy.recurrence_interval * k)


def series_start(policy: ReviewPolicy, today: dt.date) -> dt.date:
    """The start date a new series gets today: the anchor, or its next cadence date from today on."""
    anchor = policy.start_date
    if anchor is None:
        return next_quarter_start(today)
    if anchor >= today:
        return anchor
    if policy.recurrence_type == "weekly":
        k = -(-(today - anchor).days // (7 * policy.recurrence_interval))
    else:
        months = (today.year - anchor.year) * 12 + today.month - anchor.month
        k = max(0, months // policy.recurrence_interval)
    while _step(policy, anchor, k) < today:
        k += 1
    return _step(policy, anchor, k)


def on_cadence(policy: ReviewPolicy, start: dt.date) -> bool:
    """Whether a series starting on ``start`` runs on the configured cadence (always, without one)."""
    anchor = policy.start_date
    if anchor is None:
        return True
    if start < anchor:
        return False
    if policy.recurrence_type == "weekly":
        return (start - anchor).days % (7 * policy.recurrence_interval) == 0
    months = (start.year - anchor.year) * 12 + start.month - anchor.month
    return months % policy.recurrence_interval == 0 and add_months(anchor, months) == start
