"""Timer schedules as the Functions host reads them: six-field NCRONTAB, or a TimeSpan interval.

Written here rather than delegated to croniter because NCRONTAB differs from Unix cron in ways
that matter: a seconds field comes first, day-of-week is 0-6 only (no 7, ``L``, ``#`` or ``?``),
names match by prefix (``Mon``, ``Monday``), ``a/n`` means ``a-max/n``, and a restricted day of
month and day of week must *both* match (NCrontab's ``GetNextOccurrence``; cron ORs them).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from devhost.hostconfig import HostConfigError, parse_timespan

_MONTHS = [calendar.month_name[i] for i in range(1, 13)]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


@dataclass(frozen=True)
class _Field:
    kind: str
    low: int
    high: int
    names: tuple[str, ...] = ()


_FIELDS = (
    _Field("Seconds", 0, 59),
    _Field("Minutes", 0, 59),
    _Field("Hours", 0, 23),
    _Field("Days", 1, 31),
    _Field("Months", 1, 12, tuple(_MONTHS)),
    _Field("DaysOfWeek", 0, 6, tuple(_DAYS)),
)
_HORIZON_YEARS = 5


class ScheduleError(ValueError):
    """The host refuses the schedule at startup."""


class Schedule(Protocol):
    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment``."""
        ...


def _value(spec: _Field, token: str) -> int:
    if token.isdigit():
        number = int(token)
    else:
        matches = [i for i, name in enumerate(spec.names) if name.lower().startswith(token.lower())]
        if not token.isalpha() or not matches:
            raise ScheduleError(f"'{token}' is not a valid [{spec.kind}] crontab field value.")
        number = matches[0] + spec.low
    if not spec.low <= number <= spec.high:
        raise ScheduleError(f"'{token}' must be in the range {spec.low}-{spec.high} for [{spec.kind}].")
    return number


def _parse_field(spec: _Field, text: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        if slash and (not step_text.isdigit() or step < 1):
            raise ScheduleError(f"'{part}' is not a valid [{spec.kind}] crontab field expression.")
        if body == "*":
            first, last = spec.low, spec.high
        elif "-" in body:
            start, _, end = body.partition("-")
            first, last = _value(spec, start), _value(spec, end)
        else:
            first = _value(spec, body)
            last = spec.high if slash else first
        if first > last:
            raise ScheduleError(f"'{part}' is not a valid [{spec.kind}] range.")
        values.update(range(first, last + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed six-field NCRONTAB expression; occurrences are computed in the datetimes' own zone."""

    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        tokens = expression.split()
        if len(tokens) != 6:
            raise ScheduleError(
                f"'{expression}' is an invalid crontab expression. It must contain 6 components of a "
                "schedule in the sequence of seconds, minutes, hours, days, months, and days of week."
            )
        fields = [_parse_field(spec, token) for spec, token in zip(_FIELDS, tokens, strict=True)]
        return cls(expression, *fields)

    def _day_matches(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7  # Python: Monday=0; NCRONTAB: Sunday=0
        return moment.month in self.months and moment.day in self.days and weekday in self.days_of_week

    def next_after(self, moment: datetime) -> datetime:
        candidate = moment.replace(microsecond=0) + timedelta(seconds=1)
        horizon = moment.year + _HORIZON_YEARS
        while candidate.year <= horizon:
            if not self._day_matches(candidate):
                candidate = candidate.replace(hour=0, minute=0, second=0) + timedelta(days=1)
            elif candidate.hour not in self.hours:
                candidate = candidate.replace(minute=0, second=0) + timedelta(hours=1)
            elif candidate.minute not in self.minutes:
                candidate = candidate.replace(second=0) + timedelta(minutes=1)
            elif candidate.second not in self.seconds:
                candidate += timedelta(seconds=1)
            else:
                return candidate
        raise ScheduleError(f"'{self.expression}' has no occurrence within {_HORIZON_YEARS} years")


@dataclass(frozen=True)
class IntervalSchedule:
    """A TimeSpan schedule (``hh:mm:ss``): every ``interval`` from the previous occurrence."""

    interval: timedelta

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.interval


def parse_schedule(expression: str) -> Schedule:
    """NCRONTAB first, then TimeSpan, as the host's ``TimerSchedule.Create`` does."""
    try:
        return CronSchedule.parse(expression)
    except ScheduleError as cron_error:
        if ":" in expression:
            try:
                seconds = parse_timespan(expression)
            except HostConfigError:
                pass
            else:
                if seconds > 0:
                    return IntervalSchedule(timedelta(seconds=seconds))
        raise ScheduleError(
            f"The schedule expression '{expression}' was not recognized as a valid cron expression or "
            f"timespan string. ({cron_error})"
        ) from cron_error
