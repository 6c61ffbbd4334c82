"""Reading a child process's output in tests: until a marker, bounded in time."""

from __future__ import annotations

import codecs
import os
import select
import subprocess
import time
from typing import IO


def read_until(process: subprocess.Popen[str], stream: IO[str], marker: str, *, timeout: float = 90.0) -> str:
    """What ``stream`` printed until ``marker`` appeared (or the process exited, or time ran out).

    Reads the pipe's file descriptor, not the text wrapper: ``readline()`` after ``select()`` may pull
    several lines into the wrapper's buffer and return one, and ``select()`` then waits on an empty
    pipe while the marker sits in that buffer. What is read past the marker is returned too.
    """
    seen = ""
    fd = stream.fileno()
    decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 1.0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:  # the child closed its end: it has exited
                break
            seen += decode(chunk)
        elif process.poll() is not None:
            break
    return seen
