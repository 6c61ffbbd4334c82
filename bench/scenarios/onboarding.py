"""Scenario 1: bulk onboarding of new guests into 1 to 3 groups, Graph's invitation limit on.

Guestkeeper sends the guests to ``POST /api/guests/batch`` in requests of ``chunk`` (the default
``ONBOARDING_MAX_BATCH_GUESTS``, 200), one after the other; the baseline invites and adds members
one request at a time. Both run against an emulator with ``latency_ms`` per round trip and the
invitation limit (150 per 5 s per tenant) on. The limit sets a floor on wall time
(``bench.workload.throttling_floor``); Guestkeeper's wall time is reported as a ratio to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.emulator import Endpoint, directory
from bench.scenarios.common import EmulatorSpec, Mode, SideRun, run_side
from bench.scenarios.targets import Target, fewer_requests_target, ratio
from bench.workload import ONBOARDING_GROUPS, throttling_floor

FLOOR_TARGET = 1.2  # wall time within 1.2x of the throttling floor


@dataclass(frozen=True)
class OnboardingScenario:
    guests: int = 1000
    baseline_guests: int | None = None  # fewer: the baseline's figures are extrapolated linearly
    chunk: int = 200
    latency_ms: float = 20.0
    throttling: bool = True

    @property
    def spec(self) -> EmulatorSpec:
        return EmulatorSpec(self.latency_ms, self.throttling)


@dataclass(frozen=True)
class OnboardingResult:
    scenario: OnboardingScenario
    guestkeeper: SideRun
    baseline: SideRun

    @property
    def floor_s(self) -> float:
        return throttling_floor(self.scenario.guests) if self.scenario.throttling else 0.0

    @property
    def wall_to_floor(self) -> float:
        return ratio(self.guestkeeper.wall_s, self.floor_s)

    @property
    def fewer_requests(self) -> float:
        return ratio(self.baseline.round_trips, self.guestkeeper.round_trips)

    def targets(self) -> list[Target]:
        fewer, to_floor = self.fewer_requests, self.wall_to_floor
        return [
            fewer_requests_target(fewer),
            Target(
                "Wall time",
                f"within {FLOOR_TARGET:g}x of the throttling floor ({self.floor_s:.0f} s)",
                f"{to_floor:.2f}x the floor" if self.floor_s else "no floor below 151 guests",
                to_floor <= FLOOR_TARGET,
            ),
        ]


async def end_state(endpoint: Endpoint) -> dict[str, int]:
    """Guest accounts and their memberships in the onboarding groups: both sides must agree."""
    state = await directory(endpoint)
    guests = {u["id"] for u in state["users"] if u["user_type"] == "Guest"}
    groups = {g["id"]: set(g["members"]) for g in state["groups"]}
    return {"guests": len(guests), "memberships": sum(len(groups[g] & guests) for g in ONBOARDING_GROUPS)}


async def run(scenario: OnboardingScenario, storage: str, mode: Mode = "socket") -> OnboardingResult:
    gk = await run_side(
        "onboarding",
        "guestkeeper",
        scenario.spec,
        mode,
        {"guests": scenario.guests, "chunk": scenario.chunk, "storage": storage},
        items=scenario.guests,
        end_state=end_state,
    )
    base_guests = scenario.baseline_guests or scenario.guests
    params: dict[str, Any] = {"guests": base_guests}
    base = await run_side(
        "onboarding", "baseline", scenario.spec, mode, params, items=base_guests, end_state=end_state
    )
    if base_guests != scenario.guests:
        scale = scenario.guests / base_guests
        note = f"run on {base_guests} guests; requests, wall and CPU scaled by {scale:g} (extrapolated)"
        base = SideRun(
            base.side, scenario.guests, base.usage, base.requests, base.outcome, base.end_state, scale, [note]
        )
    elif base.end_state != gk.end_state:
        raise AssertionError(f"different end states: {gk.end_state} vs {base.end_state}")
    return OnboardingResult(scenario, gk, base)
