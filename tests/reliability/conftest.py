"""Fixtures for the reliability suite: the app fixtures of tests/shared, a log scan around every
test, the Graph emulator as a process of its own (the crash tests kill workers, not the emulator),
and the figures summary at the end of the run."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from scripts.processes import Stack
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


CLOCK_START = "2026-01-05T09:00:00Z"


@pytest.fixture(scope="module")
def emulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m graph_emulator`` on a free loopback port, frozen clock; stopped after the module."""
    start = datetime.fromisoformat(CLOCK_START.replace("Z", "+00:00"))
    with Stack(log_dir=tmp_path_factory.mktemp("emulator")) as stack:
        yield stack.start_emulator(frozen=True, clock_start=start)


@pytest.fixture
async def control(emulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The emulator process's control plane (reset, faults, request log, state)."""
    async with httpx.AsyncClient(base_url=emulator_url, timeout=30) as client:
        yield client


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
