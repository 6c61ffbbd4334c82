"""What must never appear in a log line: e-mail addresses, display names, tokens and secrets.

Every reliability test's log records (every logger, DEBUG and up, tracebacks included) pass
through ``find_leaks``; tests register the names and secrets they used, so a leak of a value
the test itself chose is caught even when it does not look like an address.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from devhost.azurite import ACCOUNT_KEY

EMAIL = re.compile(r"[A-Za-z0-9_.'+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
BEARER = re.compile(r"\bBearer\s+(?!\*)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
TOKEN_PREFIXES = ("test-token-", "emu.")  # tokens tests/conftest.py and the emulator issue
ALWAYS_SECRET = ("whsec_", ACCOUNT_KEY, "AccountKey=", "redeem?")


@dataclass
class Sensitive:
    """The values one test used that must stay out of its logs."""

    values: set[str] = field(default_factory=set)

    def add(self, *values: str) -> None:
        self.values.update(v for v in values if v)


def render(record: logging.LogRecord) -> str:
    """The record as a handler would write it: message, exception and stack, with the logger name."""
    parts = [record.name, record.getMessage()]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return " ".join(parts)


def find_leaks(lines: Iterable[str], sensitive: Iterable[str] = ()) -> list[str]:
    """Each offending line, with what it leaked (at most the first 20)."""
    leaks: list[str] = []
    values = [v for v in sensitive if v]
    for line in lines:
        found = EMAIL.findall(line) + BEARER.findall(line)
        found += [p for p in (*TOKEN_PREFIXES, *ALWAYS_SECRET) if p in line]
        found += [v for v in values if v in line]
        if found:
            leaks.append(f"{sorted(set(found))!r} in {line[:300]!r}")
        if len(leaks) >= 20:
            break
    return leaks


class Collector(logging.Handler):
    """Keeps every record it sees (the root logger's handler for the length of one test)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        return [render(r) for r in self.records]
