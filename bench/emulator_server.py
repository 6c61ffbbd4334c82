"""``python -m bench.emulator_server``: the Graph emulator on a loopback port, seeded for one scenario.

A process of its own, so that the emulator's CPU never counts as client CPU and each side of a
scenario starts from a fresh, identically seeded tenant (one server per side, same arguments).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.emulator_server", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--invitation-throttling", action="store_true")
    parser.add_argument("--decisions", type=int, default=0, help="seed a finished round of this size")
    parser.add_argument("--denied", type=int, default=0)
    args = parser.parse_args(argv)

    import uvicorn

    from bench.seeding import new_state, seed_cleanup_round
    from bench.workload import CleanupShape
    from graph_emulator import create_app

    state = new_state(latency_ms=args.latency_ms, invitation_throttling=args.invitation_throttling)
    if args.decisions:
        seed_cleanup_round(state, CleanupShape(args.decisions, args.denied))
    uvicorn.run(
        create_app(state),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
