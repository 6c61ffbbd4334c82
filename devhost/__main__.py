"""``python -m devhost``: run ``function_app.app`` locally like ``func start`` (see docs/devhost.md)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from devhost.azurite import Azurite, start_azurite
from devhost.limits import HttpLimits
from devhost.runner import DevHost, DevHostOptions


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=None, help="default: Host.LocalHttpPort, else 7071")
    parser.add_argument(
        "--settings", type=Path, default=None, help="default: local.settings.json, else the sample"
    )
    parser.add_argument("--app", default=None, help="app module in --app-dir (default: function_app)")
    parser.add_argument("--app-dir", type=Path, default=Path.cwd(), help="the app's root (default: cwd)")
    parser.add_argument("--key", default=None, help="function key (default: random, printed at start)")
    parser.add_argument("--master-key", default=None, help="master key (default: random, printed at start)")
    parser.add_argument("--no-auth", action="store_true", help="accept requests without keys (Core Tools)")
    parser.add_argument(
        "--azurite", action="store_true", help="start Azurite; AzureWebJobsStorage points at it (wins)"
    )
    limits = HttpLimits()
    parser.add_argument(
        "--keep-alive-timeout", type=int, default=limits.keep_alive_timeout, metavar="SECONDS",
        help=f"close a connection idle this long (default: {limits.keep_alive_timeout}, Kestrel's)",
    )  # fmt: skip
    parser.add_argument(
        "--request-headers-timeout", type=float, default=limits.request_headers_timeout, metavar="SECONDS",
        help=f"408 when headers take longer (default: {limits.request_headers_timeout:g}; 0: no limit)",
    )  # fmt: skip
    parser.add_argument(
        "--request-body-timeout", type=float, default=limits.request_body_grace, metavar="SECONDS",
        help=f"408 when a body is still slower than {limits.request_body_min_rate:g} bytes/s after this "
        f"(default: {limits.request_body_grace:g}; 0: no limit)",
    )  # fmt: skip
    parser.add_argument("--check", action="store_true", help="index the app, print its functions and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser.parse_args(argv)


def http_limits(args: argparse.Namespace) -> HttpLimits:
    """The slow-client limits from the options; 0 switches a timeout off."""
    return HttpLimits(
        keep_alive_timeout=args.keep_alive_timeout,
        request_headers_timeout=args.request_headers_timeout or None,
        request_body_grace=args.request_body_timeout or None,
    )


def _banner(host: DevHost) -> None:
    print(f"devhost listening on {host.url} (route prefix '/{host.config.route_prefix}')")
    print(f"Function key: {host.keys.function_key}  (x-functions-key header or ?code=)")
    print(f"Master key:   {host.keys.master_key}  (admin-level functions)")
    print(host.describe(), flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="[%(asctime)s] %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("azure").setLevel(logging.WARNING)
    app_dir = args.app_dir.resolve()
    sys.path.insert(0, str(app_dir))  # the worker runs with the script root on sys.path
    options = DevHostOptions(
        app_dir=app_dir,
        app_module=args.app,
        settings_file=args.settings,
        host=args.host,
        port=args.port,
        function_key=args.key,
        master_key=args.master_key,
        enforce_keys=not args.no_auth,
        http_limits=http_limits(args),
    )
    azurite: Azurite | None = None
    try:
        if args.azurite:
            azurite = start_azurite()
            os.environ["AzureWebJobsStorage"] = azurite.connection_string  # noqa: SIM112 - app setting name
        host = DevHost(options)
        host.index()
        if args.check:
            print(host.describe())
            return 0
        asyncio.run(host.serve(ready=lambda: _banner(host)))
    except Exception as exc:
        logging.getLogger("devhost").error("%s: %s", type(exc).__name__, exc)
        return 1
    finally:
        if azurite is not None:
            azurite.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
