"""``python -m graph_emulator``: serve the emulator; ``python -m graph_emulator token``: print a token."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .clock import parse_datetime
from .faults import FaultConfig


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .schema import warm_up
    from .state import TenantState

    faults = FaultConfig(
        latency_ms=args.latency_ms,
        invitation_throttling=args.invitation_throttling,
        replication_delay_s=args.replication_delay,
        seed=args.fault_seed,
    )
    options = {
        "clock_start": parse_datetime(args.clock_start) if args.clock_start else None,
        "ticking": not args.frozen_clock,
        "faults": faults,
    }
    state = (
        TenantState.from_seed_file(Path(args.seed_file), **options)
        if args.seed_file
        else TenantState(**options)  # type: ignore[arg-type]
    )
    warm_up()  # reads Graph's directory schemas from the SDK while uvicorn starts
    print(f"Graph emulator: http://{args.host}:{args.port}/v1.0 (control plane /_emulator)", flush=True)
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _token(args: argparse.Namespace) -> int:
    import httpx

    url = f"{args.url.rstrip('/')}/_emulator/token"
    body = {} if args.roles is None else {"roles": [r for r in args.roles.split(",") if r]}
    if args.service_principal:  # a token as that identity: its roles are what it was granted
        url, body = f"{args.url.rstrip('/')}/_emulator/servicePrincipals/{args.service_principal}/token", {}
    response = httpx.post(url, json=body, timeout=10)
    if response.status_code != 200:
        print(response.text, file=sys.stderr)
        return 1
    print(response.json()["access_token"])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graph_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback by default)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed-file", help="a tenant seed JSON (see graph_emulator/default_seed.json)")
    parser.add_argument("--clock-start", help="the emulator clock's start instant (ISO 8601)")
    parser.add_argument("--frozen-clock", action="store_true", help="the clock moves only when told")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--invitation-throttling", action="store_true", help="150 invitations per 5 s")
    parser.add_argument("--replication-delay", type=float, default=0.0, help="seconds")
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--log-level", default="warning")
    sub = parser.add_subparsers(dest="command")
    token = sub.add_parser("token", help="print a bearer token from a running emulator")
    token.add_argument("--url", default="http://127.0.0.1:8765")
    issued = token.add_mutually_exclusive_group()
    issued.add_argument("--roles", help="comma-separated permissions (default: all)")
    issued.add_argument("--service-principal", help="object id or appId: a token as that identity")
    args = parser.parse_args(argv)
    return _token(args) if args.command == "token" else _serve(args)


if __name__ == "__main__":
    sys.exit(main())
