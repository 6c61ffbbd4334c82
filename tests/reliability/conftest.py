"""Fixtures for the reliability suite: the app fixtures of tests/shared, a log scan around every
test, and the figures summary at the end of the run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.reliability import figures
from tests.reliability.pii import Collector, Sensitive, find_leaks
from tests.shared.conftest import (  # the app's fixtures, shared rather than copied
    SECRET,
    offboard,
    post,
    settings,
    store,
    table_name,
    worker,
)

__all__ = ["offboard", "post", "settings", "store", "table_name", "worker"]


@pytest.fixture
def sensitive() -> Sensitive:
    """Values a test used (names, addresses, tokens) that its logs must not contain."""
    return Sensitive({SECRET, SECRET.removeprefix("whsec_")})


@pytest.fixture(autouse=True)
def no_personal_data_in_logs(sensitive: Sensitive) -> Iterator[Collector]:
    """Every record of every logger, DEBUG and up, during the test: none may carry personal data."""
    collector = Collector()
    root = logging.getLogger()
    level = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    try:
        yield collector
    finally:
        root.removeHandler(collector)
        root.setLevel(level)
    leaks = find_leaks(collector.lines(), sensitive.values)
    figures.add("logs scanned", tests=1, records=len(collector.records))
    assert not leaks, "personal data or secrets in logs:\n" + "\n".join(leaks)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not figures.FIGURES:
        return
    terminalreporter.section("reliability figures")
    for line in figures.lines():
        terminalreporter.write_line(line)
    figures.dump()
