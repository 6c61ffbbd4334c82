"""``python -m bench`` (``make bench``): the three scenarios, Guestkeeper against a baseline.

Starts Azurite, runs each scenario (each side against its own freshly seeded emulator process),
prints one table per scenario and, unless ``--no-doc``, writes them into docs/performance.md
between its result markers. ``--quick`` runs tiny sizes (a check that everything works, not a
measurement) and leaves the document alone. The full run takes several minutes: the baseline is
sequential by design.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from bench import report
from bench.emulator import ROOT
from bench.scenarios import cleanup, coldstart, onboarding

SCENARIOS = ("onboarding", "cleanup", "coldstart")
DOC = ROOT / "docs" / "performance.md"
log = logging.getLogger("bench")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="repeatable; default: all")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no document update")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="emulated latency per round trip")
    parser.add_argument("--guests", type=int, default=1000)
    parser.add_argument("--baseline-guests", type=int, help="run the baseline on fewer guests, extrapolate")
    parser.add_argument("--chunk", type=int, default=200, help="guests per POST /api/guests/batch")
    parser.add_argument("--decisions", type=int, default=5000)
    parser.add_argument("--denied", type=int, default=1000)
    parser.add_argument("--coldstart-runs", type=int, default=5)
    parser.add_argument("--doc", type=Path, default=DOC, help="the document whose result block is replaced")
    parser.add_argument("--no-doc", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if args.quick:
        args.guests, args.decisions, args.denied, args.coldstart_runs = 10, 50, 10, 1
        args.baseline_guests = None
    return args


async def run_all(args: argparse.Namespace, storage: str) -> list[report.Result]:
    results: list[report.Result] = []
    for name in args.scenario or SCENARIOS:
        log.info("scenario %s ...", name)
        result: report.Result
        if name == "onboarding":
            scenario = onboarding.OnboardingScenario(
                args.guests, args.baseline_guests, args.chunk, args.latency_ms, throttling=True
            )
            result = await onboarding.run(scenario, storage)
        elif name == "cleanup":
            rounds = cleanup.CleanupScenario(args.decisions, args.denied, args.latency_ms)
            result = await cleanup.run(rounds, storage)
        else:
            cold = coldstart.ColdStartScenario(args.coldstart_runs, args.latency_ms, warmup=not args.quick)
            result = await coldstart.run(cold, storage)
        tiny = "\n\n(--quick: tiny sizes check that the benchmark works; the targets apply to full runs.)"
        print(report.render(result) + (tiny if args.quick else "") + "\n", flush=True)
        results.append(result)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    for noisy in ("azure", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = parse(argv)
    from devhost.azurite import start_azurite

    with start_azurite() as azurite:
        results = asyncio.run(run_all(args, azurite.connection_string))
    if args.quick or args.no_doc:
        return 0
    given = list(sys.argv[1:] if argv is None else argv)
    command = "`make bench` (`python -m bench`)" if not given else f"`python -m bench {shlex.join(given)}`"
    report.write_into(args.doc, report.document(results, command))
    log.info("figures written to %s", args.doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
