"""Figures the reliability scenarios measure, printed at the end of the run (and kept in
docs/reliability.md). ``RELIABILITY_FIGURES_JSON=path`` also writes them to a JSON file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FIGURES: dict[str, dict[str, Any]] = {}


def record(scenario: str, **values: Any) -> None:
    """Merge ``values`` into the figures of ``scenario`` (a later value for a key replaces it)."""
    FIGURES.setdefault(scenario, {}).update(values)


def add(scenario: str, **increments: int) -> None:
    """Add ``increments`` to the counters of ``scenario``."""
    values = FIGURES.setdefault(scenario, {})
    for key, amount in increments.items():
        values[key] = values.get(key, 0) + amount


def lines() -> list[str]:
    out = []
    for scenario, values in sorted(FIGURES.items()):
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        out.append(f"{scenario}: {shown}")
    return out


def dump() -> None:
    target = os.environ.get("RELIABILITY_FIGURES_JSON")
    if target and FIGURES:
        Path(target).write_text(json.dumps(FIGURES, indent=2, sort_keys=True, default=str) + "\n")
