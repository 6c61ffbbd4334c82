"""A performance target and whether a run met it: what the report prints and the doc records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str  # e.g. "Graph requests"
    goal: str  # e.g. "at least 10x fewer than the baseline"
    achieved: str  # e.g. "17.4x fewer"
    met: bool

    @property
    def verdict(self) -> str:
        return "met" if self.met else "MISSED"


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, infinite when the denominator is zero."""
    return numerator / denominator if denominator else float("inf")


REQUESTS_TARGET = 10.0  # scenarios 1 and 2: at least 10x fewer Graph requests than the baseline


def fewer_requests_target(fewer: float) -> Target:
    """The Graph-requests target both throughput scenarios share; ``fewer`` = baseline / ours."""
    return Target(
        "Graph requests",
        f"at least {REQUESTS_TARGET:g}x fewer than the baseline",
        f"{fewer:.1f}x fewer",
        fewer >= REQUESTS_TARGET,
    )
