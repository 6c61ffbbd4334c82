"""Wall time, client CPU and peak memory of one side's job, and the worker process that runs it.

- wall: ``time.perf_counter`` around the job (imports and client construction excluded; the first
  request's one-off costs, such as the SDK's first typed deserialisation, included);
- CPU: ``time.process_time`` of the client process (user + system, all threads). With the emulator
  in its own process (``bench.emulator.served``) this is the client's CPU alone;
- memory: the peak RSS of the worker process (``bench.rss``), which runs one side of one scenario
  and nothing else, so its peak counts that side's imports and data only.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from bench.emulator import ROOT, python_env
from bench.rss import peak_rss_kb


@dataclass(frozen=True)
class Usage:
    wall_s: float
    cpu_s: float
    peak_rss_kb: int  # the process's peak resident set, imports included
    rss_growth_kb: int  # how far the job raised that peak above what imports and setup had reached

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Usage:
        return cls(**data)


class Meter:
    """``with meter:`` around exactly the work being measured; ``meter.usage`` afterwards."""

    def __init__(self) -> None:
        self._usage: Usage | None = None

    def __enter__(self) -> Meter:
        self._rss = peak_rss_kb()
        self._cpu = time.process_time()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._wall
        cpu = time.process_time() - self._cpu
        peak = peak_rss_kb()
        self._usage = Usage(wall, cpu, peak, peak - self._rss)

    @property
    def usage(self) -> Usage:
        if self._usage is None:
            raise RuntimeError("the meter has not measured anything yet")
        return self._usage


def run_worker(
    scenario: str, side: str, url: str, params: dict[str, Any], *, timeout: float = 1800.0
) -> dict[str, Any]:
    """Run ``bench.worker`` for one side in a fresh process; its last stdout line is its JSON result."""
    command = [sys.executable, "-m", "bench.worker", scenario, side, url, json.dumps(params)]
    done = subprocess.run(
        command, cwd=ROOT, env=python_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{side} {scenario} worker failed ({done.returncode}): {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
