"""Reading a child process's output in tests: line by line, until a marker, bounded in time."""

from __future__ import annotations

import select
import subprocess
import time
from typing import IO


def read_until(process: subprocess.Popen[str], stream: IO[str], marker: str, *, timeout: float = 90.0) -> str:
    """What ``stream`` printed until a line holding ``marker`` (or the process exited, or time ran out)."""
    seen = ""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline and process.poll() is None:
        if select.select([stream], [], [], 1.0)[0]:
            seen += stream.readline()
    return seen
