"""The emulator's business clock: what Graph reports as "now" (created dates, review schedules).

Tests freeze and move it; a served emulator lets it tick with real time. Moving it runs every
registered transition that has become due (for example access-review instances starting or ending).
Fault knobs (throttling windows, replication delay, latency) use real monotonic time instead,
because what they model is wall-clock behaviour of the service.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Transition = Callable[[datetime], None]

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse an ISO 8601 duration such as ``P90D`` or ``PT2H30M`` (years = 365 days, months = 30)."""
    match = _DURATION.match(text.strip())
    if not match or text.strip() in {"P", "PT"}:
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    parts = {name: float(value) for name, value in match.groupdict().items() if value}
    days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("weeks", 0) * 7
    return timedelta(
        days=days + parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


def format_datetime(value: datetime) -> str:
    """Graph's timestamp form: UTC with a ``Z`` suffix, no offset."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str) -> datetime:
    """Accept ``2025-01-01``, ``2025-01-01T10:00:00Z`` and offset forms; naive values are UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Clock:
    """A settable clock. ``ticking`` lets real time pass on top of the set instant."""

    def __init__(self, start: datetime | None = None, *, ticking: bool = False) -> None:
        self._base = (start or datetime.now(UTC)).astimezone(UTC)
        self._anchor = time.monotonic()
        self.ticking = ticking
        self._transitions: list[Transition] = []

    def now(self) -> datetime:
        if not self.ticking:
            return self._base
        return self._base + timedelta(seconds=time.monotonic() - self._anchor)

    def set(self, instant: datetime) -> datetime:
        self._base = instant.astimezone(UTC)
        self._anchor = time.monotonic()
        self.run_due()
        return self.now()

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        return self.set(self.now() + delta)

    def on_change(self, transition: Transition) -> None:
        """Register a callback run with the current time whenever transitions may be due."""
        self._transitions.append(transition)

    def run_due(self) -> None:
        now = self.now()
        for transition in self._transitions:
            transition(now)
