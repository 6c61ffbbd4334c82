"""``python -m bench.worker SCENARIO SIDE URL PARAMS``: one side of one scenario in a fresh process.

``SIDE`` is ``guestkeeper`` or ``baseline``; the module ``bench.<side>.<scenario>`` is imported
here and only here, so the process holds that side's stack alone (its peak RSS is honest). Prints
one JSON line: ``{"usage": ..., "outcome": ...}``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bench.emulator import Endpoint
from bench.measure import Meter

SIDES = ("guestkeeper", "baseline")
Runner = Callable[[Endpoint, dict[str, Any], Meter], Coroutine[Any, Any, dict[str, Any]]]


def runner(scenario: str, side: str) -> Runner:
    """The ``run`` coroutine of ``bench.<side>.<scenario>``."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}")
    module = importlib.import_module(f"bench.{side}.{scenario}")
    run: Runner = module.run
    return run


def main(argv: Sequence[str] | None = None) -> int:
    scenario, side, url, params = argv if argv is not None else sys.argv[1:]
    run = runner(scenario, side)
    meter = Meter()
    outcome = asyncio.run(run(Endpoint(url), json.loads(params), meter))
    print(json.dumps({"usage": meter.usage.to_json(), "outcome": outcome}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
