"""Figures the reliability scenarios measure, printed at the end of the run (and kept in
docs/reliability.md). ``RELIABILITY_FIGURES_JSON=path`` also writes them to a JSON file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FIGURES: dict[str, dict[str, Any]] = {}
TABLES: dict[str, list[tuple[str, str]]] = {}  # scenarios shown as a table instead of one line


def record(scenario: str, **values: Any) -> None:
    """Merge ``values`` into the figures of ``scenario`` (a later value for a key replaces it)."""
    FIGURES.setdefault(scenario, {}).update(values)


def add(scenario: str, **increments: int) -> None:
    """Add ``increments`` to the counters of ``scenario``."""
    values = FIGURES.setdefault(scenario, {})
    for key, amount in increments.items():
        values[key] = values.get(key, 0) + amount


def table(scenario: str, rows: list[tuple[str, Any]]) -> None:
    """Show ``scenario`` as a table of ``(figure, value)`` rows (its ``record``ed values stay in the JSON)."""
    TABLES[scenario] = [(label, str(value)) for label, value in rows]


def lines() -> list[str]:
    out = []
    for scenario, values in sorted(FIGURES.items()):
        if scenario not in TABLES:
            out.append(f"{scenario}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    for scenario, rows in TABLES.items():
        width = max(len(label) for label, _ in rows)
        out += ["", scenario, f"  {'figure'.ljust(width)}  value", f"  {'-' * width}  {'-' * 5}"]
        out += [f"  {label.ljust(width)}  {value}" for label, value in rows]
    return out


def dump() -> None:
    target = os.environ.get("RELIABILITY_FIGURES_JSON")
    if target and FIGURES:
        Path(target).write_text(json.dumps(FIGURES, indent=2, sort_keys=True, default=str) + "\n")
