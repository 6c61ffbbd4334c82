"""The tables ``python -m bench`` prints and writes into docs/performance.md (Markdown, plain text).

One table per scenario, a line of ratios (baseline divided by Guestkeeper, or Guestkeeper's share
for cold start), the scenario's own facts (throttling floor, end state, extrapolations), and each
performance target with "met" or "MISSED".
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench.scenarios.cleanup import CleanupResult
from bench.scenarios.coldstart import ColdStartResult
from bench.scenarios.common import SideRun
from bench.scenarios.onboarding import OnboardingResult
from bench.scenarios.targets import Target, ratio
from bench.workload import INVITATION_LIMIT, INVITATION_WINDOW_S

BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"
Result = OnboardingResult | CleanupResult | ColdStartResult


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _x(value: float, digits: int = 1) -> str:
    return "n/a" if value == float("inf") else f"{value:.{digits}f}x"


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f}"


def _side_row(run: SideRun, item_ms: float, extra: Sequence[str] = ()) -> list[str]:
    label = run.label + (" (extrapolated)" if run.scale != 1 else "")
    return [
        label,
        _n(run.round_trips),
        _n(run.operations),
        _n(run.requests.throttled * run.scale),
        f"{run.wall_s:.1f}",
        *extra,
        f"{item_ms:.2f}",
        f"{run.cpu_s:.2f}",
        _mb(run.usage.peak_rss_kb),
        _mb(run.usage.rss_growth_kb),
    ]


def _ratio_row(gk: SideRun, base: SideRun, extra: Sequence[str] = ()) -> list[str]:
    return [
        "Baseline ÷ Guestkeeper",
        _x(ratio(base.round_trips, gk.round_trips)),
        _x(ratio(base.operations, gk.operations)),
        "",
        _x(ratio(base.wall_s, gk.wall_s)),
        *extra,
        _x(ratio(base.cpu_per_item_s, gk.cpu_per_item_s)),
        _x(ratio(base.cpu_s, gk.cpu_s)),
        "",
        "",
    ]


HEADER = [
    "",
    "Graph requests (round trips)",
    "operations",
    "429 answers",
    "wall (s)",
    "CPU per {item} (ms)",
    "CPU total (s)",
    "peak RSS (MB)",
    "RSS growth in the job (MB)",
]


def _header(item: str, extra: Sequence[str] = ()) -> list[str]:
    return [*HEADER[:5], *extra, *(h.format(item=item) for h in HEADER[5:])]


def _targets(targets: Sequence[Target]) -> list[str]:
    return [f"- **{t.verdict}**: {t.name}, {t.goal}: {t.achieved}." for t in targets]


def _notes(*runs: SideRun) -> list[str]:
    return [f"- {run.label}: {note}." for run in runs for note in run.notes]


def onboarding(result: OnboardingResult) -> str:
    s, gk, base = result.scenario, result.guestkeeper, result.baseline
    limit = "on" if s.throttling else "off"
    title = (
        f"### Scenario 1: bulk onboarding of {s.guests:,} new guests into 1 to 3 groups\n\n"
        f"{s.latency_ms:g} ms per round trip, invitation limit {limit}; Guestkeeper in requests of "
        f"{s.chunk} guests to `POST /api/guests/batch`, one after the other."
    )
    rows = [
        _side_row(gk, gk.cpu_per_item_s * 1000, [_x(result.wall_to_floor, 2)]),
        _side_row(base, base.cpu_per_item_s * 1000, [_x(ratio(base.wall_s, result.floor_s), 2)]),
        _ratio_row(gk, base, [""]),
    ]
    floor = (
        f"- Throttling floor: (ceil({s.guests:,} / {INVITATION_LIMIT}) - 1) x {INVITATION_WINDOW_S:g} s = "
        f"**{result.floor_s:.1f} s**; Guestkeeper took **{_x(result.wall_to_floor, 2)}** the floor."
    )
    state = f"- End state: {gk.end_state['guests']:,} guests, {gk.end_state['memberships']:,} memberships"
    state += " (the same for both sides)." if base.scale == 1 else "."
    out = gk.outcome
    answers = f"- Guestkeeper: {out['requests']} bulk requests; {out['created']:,} guests created (201), "
    answers += f"{out['existing']:,} existing (200), {out['failed']:,} failed."
    lines = [floor, state, answers, *_notes(gk, base), *_targets(result.targets())]
    return "\n\n".join([title, table(_header("guest", ["wall / floor"]), rows), "\n".join(lines)])


def cleanup(result: CleanupResult) -> str:
    s, gk, base = result.scenario, result.guestkeeper, result.baseline
    title = (
        f"### Scenario 2: cleanup of one round with {s.decisions:,} decisions, {s.denied:,} denied\n\n"
        f"{s.latency_ms:g} ms per round trip, auto-apply off; {s.shape.kept:,} denied guests also belong "
        f"to another group (removed, account kept), {s.shape.disabled:,} are disabled."
    )
    rows = [
        _side_row(gk, gk.cpu_per_item_s * 1000),
        _side_row(base, base.cpu_per_item_s * 1000),
        _ratio_row(gk, base),
    ]
    state = (
        f"- End state, both sides: {gk.end_state['members']:,} members left in the reviewed group, "
        f"{gk.end_state['disabled']:,} guests disabled."
    )
    actions = ", ".join(f"{k} {v:,}" for k, v in sorted(gk.outcome["actions"].items()))
    lines = [state, f"- Guestkeeper's audit: {actions}.", *_targets(result.targets())]
    return "\n\n".join([title, table(_header("decision"), rows), "\n".join(lines)])


def coldstart(result: ColdStartResult) -> str:
    s = result.scenario
    title = (
        f"### Scenario 3: cold start, a fresh process to its first onboarded guest\n\n"
        f"Median of {s.runs} runs per side (alternating, after a discarded warm-up run each); "
        f"{s.latency_ms:g} ms per round trip; one new guest into one group."
    )
    figures = ["import_s", "first_request_s", "total_s", "process_s"]
    rows = []
    for side, label in result.labels.items():
        med = [result.median(side, f) for f in figures]
        rss, modules = result.median(side, "peak_rss_kb"), result.median(side, "modules")
        rows.append([label, *(f"{v:.2f}" for v in med), _mb(rss), _n(modules)])
    shares = [result.median("guestkeeper", f) / result.median("baseline", f) for f in figures]
    rows.append(["Guestkeeper ÷ baseline", *(f"{v:.0%}" for v in shares), "", ""])
    header = [
        "",
        "import (s)",
        "first request (s)",
        "import + first request (s)",
        "process start to exit (s)",
        "peak RSS (MB)",
        "modules loaded",
    ]
    return "\n\n".join([title, table(header, rows), "\n".join(_targets(result.targets()))])


def render(result: Result) -> str:
    if isinstance(result, OnboardingResult):
        return onboarding(result)
    if isinstance(result, CleanupResult):
        return cleanup(result)
    return coldstart(result)


def environment(command: str) -> str:
    """When, how (``command``, Markdown) and on what the figures were produced."""
    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("msgraph-sdk", "azure-functions", "azure-data-tables")
    )
    return (
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with {command} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; {versions}."
    )


def document(results: Sequence[Result], command: str) -> str:
    return "\n\n".join([environment(command), *(render(r) for r in results)])


def write_into(path: Path, block: str) -> None:
    """Replace what lies between the result markers of ``path`` with ``block``."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{path} has no {BEGIN} ... {END} block")
    path.write_text(pattern.sub(lambda _: f"{BEGIN}\n{block}\n{END}", text), encoding="utf-8")
