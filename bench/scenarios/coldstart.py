"""Scenario 3: cold start, a fresh process from its first import to its first onboarded guest.

Each run is a new Python process (``bench.guestkeeper.coldstart`` or ``bench.baseline.coldstart``)
against one emulator on a loopback port (and Azurite for Guestkeeper's state table), onboarding a
guest not seen before into one group. The sides alternate, and a first, discarded run of each
makes sure both start from compiled ``.pyc`` files. Figures are medians over ``runs``.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.emulator import ROOT, Endpoint, python_env, served
from bench.scenarios.common import SIDES, EmulatorSpec
from bench.scenarios.targets import Target
from bench.workload import GuestSpec, guest_specs

SHARE_TARGET = 0.6  # at most 60 % of the baseline's cold start


@dataclass(frozen=True)
class ColdStartScenario:
    runs: int = 5
    latency_ms: float = 20.0
    warmup: bool = True


@dataclass(frozen=True)
class ColdRun:
    side: str
    import_s: float  # first line of the module to the end of the imports (function_app, or msgraph)
    first_request_s: float  # from there to the first guest onboarded (the 201)
    process_s: float  # the whole process as the parent saw it: interpreter start to exit
    peak_rss_kb: int
    modules: int

    @property
    def total_s(self) -> float:
        return self.import_s + self.first_request_s


@dataclass(frozen=True)
class ColdStartResult:
    scenario: ColdStartScenario
    runs: list[ColdRun]

    def median(self, side: str, figure: str) -> float:
        return statistics.median(float(getattr(r, figure)) for r in self.runs if r.side == side)

    @property
    def share(self) -> float:
        """Guestkeeper's import + first request as a share of the baseline's (medians)."""
        return self.median("guestkeeper", "total_s") / self.median("baseline", "total_s")

    def targets(self) -> list[Target]:
        return [
            Target(
                "Cold start (import + first request)",
                f"at most {SHARE_TARGET:.0%} of the baseline's",
                f"{self.share:.0%}",
                self.share <= SHARE_TARGET,
            )
        ]

    @property
    def labels(self) -> dict[str, str]:
        return SIDES


def child_env(side: str, endpoint: Endpoint, app: dict[str, str], guest: GuestSpec) -> dict[str, str]:
    """What a cold process gets: app settings and a signed request, or the emulator and a guest."""
    payload = {**guest.payload(), "groups": list(guest.groups[:1])}
    if side == "baseline":
        return python_env(BENCH_EMULATOR=endpoint.url, BENCH_GUEST=json.dumps(payload))
    from bench.guestkeeper.app import signed_headers

    body = json.dumps(payload)
    request = {"body": body, "headers": signed_headers(body.encode())}
    return python_env(**app, BENCH_REQUEST=json.dumps(request))


def cold_run(side: str, env: dict[str, str]) -> ColdRun:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{side}.coldstart"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    process_s = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{side} cold start failed ({done.returncode}): {done.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if data["status"] != 201:
        raise RuntimeError(f"{side} cold start answered {data['status']}, not 201")
    return ColdRun(
        side, data["import_s"], data["first_request_s"], process_s, data["peak_rss_kb"], data["modules"]
    )


async def run(scenario: ColdStartScenario, storage: str) -> ColdStartResult:
    from bench.guestkeeper.app import app_settings

    passes = scenario.runs + (1 if scenario.warmup else 0)
    guests = iter(guest_specs(2 * passes))
    runs: list[ColdRun] = []
    with served(EmulatorSpec(scenario.latency_ms).args()) as endpoint:
        app = app_settings(endpoint, storage)  # one deployment: its state table outlives the workers
        for n in range(passes):
            order = ("guestkeeper", "baseline") if n % 2 == 0 else ("baseline", "guestkeeper")
            for side in order:
                env = child_env(side, endpoint, app, next(guests))
                measured = await asyncio.to_thread(cold_run, side, env)
                if n > 0 or not scenario.warmup:
                    runs.append(measured)
    return ColdStartResult(scenario, runs)
