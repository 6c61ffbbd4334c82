"""The test helper that reads a child's output until a marker."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.process_output import read_until

# Two lines in one write, then silence: the marker arrives in the same chunk as the line before it.
CHILD = "import sys, time; sys.stdout.write('first\\nready marker\\n'); sys.stdout.flush(); time.sleep(30)"


def test_a_marker_in_the_same_chunk_as_the_line_before_it_is_found_at_once() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    try:
        started = time.monotonic()
        seen = read_until(child, child.stdout, "ready marker", timeout=10)
        assert "ready marker" in seen
        assert time.monotonic() - started < 5  # not found only when the time ran out
    finally:
        child.kill()
        child.communicate()


def test_a_child_that_exits_without_the_marker_ends_the_wait() -> None:
    child = subprocess.Popen([sys.executable, "-c", "print('bye')"], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    started = time.monotonic()
    assert read_until(child, child.stdout, "never", timeout=30) == "bye\n"
    assert time.monotonic() - started < 10
    child.communicate()
