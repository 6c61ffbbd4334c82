"""Scenario 2: cleanup of one finished review round, auto-apply off, so every removal is ours to make.

The round (``bench.seeding``): ``decisions`` guests of the reviewed group, ``denied`` of them
denied, a quarter of those also in another group (removed, account kept), the rest disabled.
Guestkeeper handles the queue message as its cleanup function does; the baseline lists the typed
decisions and works through the denied guests one request at a time. Same end state required.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.emulator import Endpoint, directory
from bench.scenarios.common import EmulatorSpec, Mode, SideRun, run_side
from bench.scenarios.targets import Target, fewer_requests_target, ratio
from bench.workload import REVIEWED_GROUP, CleanupShape

CPU_TARGET = 10.0  # at least 10x less client CPU than the baseline


@dataclass(frozen=True)
class CleanupScenario:
    decisions: int = 5000
    denied: int = 1000
    latency_ms: float = 20.0

    @property
    def shape(self) -> CleanupShape:
        return CleanupShape(self.decisions, self.denied)

    @property
    def spec(self) -> EmulatorSpec:
        return EmulatorSpec(self.latency_ms, round=self.shape)


@dataclass(frozen=True)
class CleanupResult:
    scenario: CleanupScenario
    guestkeeper: SideRun
    baseline: SideRun

    @property
    def fewer_requests(self) -> float:
        return ratio(self.baseline.round_trips, self.guestkeeper.round_trips)

    @property
    def less_cpu(self) -> float:
        return ratio(self.baseline.cpu_s, self.guestkeeper.cpu_s)

    def targets(self) -> list[Target]:
        fewer, less = self.fewer_requests, self.less_cpu
        return [
            fewer_requests_target(fewer),
            Target(
                "Client CPU",
                f"at least {CPU_TARGET:g}x less than the baseline",
                f"{less:.1f}x less",
                less >= CPU_TARGET,
            ),
        ]


async def end_state(endpoint: Endpoint) -> dict[str, int]:
    """Members left in the reviewed group and disabled guests: both sides must agree."""
    state = await directory(endpoint)
    (group,) = [g for g in state["groups"] if g["id"] == REVIEWED_GROUP]
    disabled = sum(1 for u in state["users"] if u["user_type"] == "Guest" and not u["account_enabled"])
    return {"members": len(group["members"]), "disabled": disabled}


async def run(scenario: CleanupScenario, storage: str, mode: Mode = "socket") -> CleanupResult:
    sides = [
        await run_side(
            "cleanup",
            side,
            scenario.spec,
            mode,
            {"storage": storage},
            items=scenario.decisions,
            end_state=end_state,
        )
        for side in ("guestkeeper", "baseline")
    ]
    gk, base = sides
    expected = {"members": scenario.decisions - scenario.denied, "disabled": scenario.shape.disabled}
    for run_ in sides:
        if run_.end_state != expected:
            raise AssertionError(f"{run_.label} left {run_.end_state}, expected {expected}")
    return CleanupResult(scenario, gk, base)
