"""Running one side of a scenario: a fresh emulator, the side's job, and what the emulator saw.

Both sides of a scenario get the same ``EmulatorSpec`` (latency, throttling, seed), each on an
emulator of its own started from scratch, so neither inherits the other's state or throttling
window. Two modes:

- ``socket`` (``make bench``): the emulator in its own process on a loopback port, each side in a
  fresh worker process; client CPU and peak RSS are the side's alone;
- ``inprocess`` (the smoke test): the emulator over ``httpx.ASGITransport`` and the side run in
  the calling process; request counts and end states are exact, times and memory are not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from bench.emulator import Endpoint, RequestTally, in_process, request_tally, served
from bench.measure import Meter, Usage, run_worker
from bench.workload import CleanupShape

Mode = Literal["socket", "inprocess"]
log = logging.getLogger("bench")
SIDES = {"guestkeeper": "Guestkeeper", "baseline": "Baseline"}


@dataclass(frozen=True)
class EmulatorSpec:
    latency_ms: float
    throttling: bool = False
    round: CleanupShape | None = None  # seed a finished review round of this shape

    def args(self) -> list[str]:
        """The ``bench.emulator_server`` arguments for this spec."""
        args = ["--latency-ms", str(self.latency_ms)]
        if self.throttling:
            args.append("--invitation-throttling")
        if self.round is not None:
            args += ["--decisions", str(self.round.decisions), "--denied", str(self.round.denied)]
        return args


@dataclass(frozen=True)
class SideRun:
    side: str  # "guestkeeper" or "baseline"
    items: int  # guests or decisions this side processed
    usage: Usage
    requests: RequestTally
    outcome: dict[str, Any]
    end_state: dict[str, int]
    scale: float = 1.0  # > 1: figures extrapolated from a smaller run (items / scale were run)
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return SIDES[self.side]

    @property
    def cpu_per_item_s(self) -> float:
        return self.usage.cpu_s / (self.items / self.scale)

    @property
    def round_trips(self) -> float:
        return self.requests.round_trips * self.scale

    @property
    def operations(self) -> float:
        return self.requests.operations * self.scale

    @property
    def wall_s(self) -> float:
        return self.usage.wall_s * self.scale

    @property
    def cpu_s(self) -> float:
        return self.usage.cpu_s * self.scale


EndState = Callable[[Endpoint], Awaitable[dict[str, int]]]


@asynccontextmanager
async def emulator(spec: EmulatorSpec, mode: Mode) -> AsyncIterator[Endpoint]:
    """A freshly seeded emulator for one side."""
    if mode == "socket":
        with served(spec.args()) as endpoint:
            yield endpoint
        return
    from bench.seeding import new_state, seed_cleanup_round

    state = new_state(latency_ms=spec.latency_ms, invitation_throttling=spec.throttling)
    if spec.round is not None:
        seed_cleanup_round(state, spec.round)
    yield in_process(state)


async def run_side(
    scenario: str,
    side: str,
    spec: EmulatorSpec,
    mode: Mode,
    params: dict[str, Any],
    *,
    items: int,
    end_state: EndState,
) -> SideRun:
    """Run ``bench.<side>.<scenario>`` against a fresh emulator; read its request log and end state."""
    async with emulator(spec, mode) as endpoint:
        log.info("  %s, %s ...", scenario, side)
        if mode == "socket":
            result = await asyncio.to_thread(run_worker, scenario, side, endpoint.url, params)
            usage, outcome = Usage.from_json(result["usage"]), result["outcome"]
        else:
            from bench.worker import runner

            meter = Meter()
            outcome = await runner(scenario, side)(endpoint, params, meter)
            usage = meter.usage
        requests = await request_tally(endpoint)
        state = await end_state(endpoint)
    log.info("  %s %s: %.1f s, %d round trips", scenario, side, usage.wall_s, requests.round_trips)
    return SideRun(side, items, usage, requests, outcome, state)
