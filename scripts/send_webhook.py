"""Sign and send an onboarding request to a running Functions host, as an HR system would.

    python -m scripts.send_webhook                      # John Doe into Feelgood Marketing Campaign
    python -m scripts.send_webhook --email ada@fabrikam.com --name "Ada Lovelace" \\
        --group 59ab642a-2776-4e32-9b68-9ff7a47b7f6a --group 6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d
    python -m scripts.send_webhook --body guests.json --batch       # POST /api/guests/batch
    python -m scripts.send_webhook --url https://<app>.azurewebsites.net --key <function key>

The body is signed with the ``standardwebhooks`` library (the sender's side, independent of the
app's own verification) using ``WEBHOOK_SECRET`` from the environment, else from the ``Values`` of
``--settings`` (default: local.settings.json, else the committed sample). The function key comes
from ``--key`` or ``FUNCTION_KEY``; Core Tools does not check keys locally, devhost and Azure do.
Prints the status and the JSON answer; exits 0 on a 2xx answer, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks import Webhook

ROOT = Path(__file__).resolve().parent.parent
FEELGOOD = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"  # "Feelgood Marketing Campaign" in the emulator's seed
MEGAN = "1c2b3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e"  # its owner, Megan Bowen


def signed_headers(
    secret: str, body: bytes, *, webhook_id: str | None = None, at: datetime | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers for ``body``: a fresh id, the time (``at``, else now), the v1
    signature. ``at`` is for an app whose clock is not the wall clock (``GRAPH_EMULATOR_CLOCK``)."""
    ident = webhook_id or f"msg_{uuid.uuid4().hex}"
    now = at or datetime.now(UTC)
    signature: str = Webhook(secret).sign(ident, now, body.decode("utf-8"))
    return {
        "webhook-id": ident,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def post_signed(
    client: httpx.AsyncClient,
    url: str,
    payload: Mapping[str, Any],
    *,
    secret: str,
    key: str | None,
    at: datetime | None = None,
) -> httpx.Response:
    """POST ``payload`` as signed JSON (at ``at``, else now), with the function key when there is one."""
    body = json.dumps(payload).encode()
    headers = signed_headers(secret, body, at=at)
    if key:
        headers["x-functions-key"] = key
    return await client.post(url, content=body, headers=headers)


def settings_values(path: Path | None) -> dict[str, str]:
    """``Values`` of the given settings file, else local.settings.json, else the sample."""
    candidates = [path] if path else [ROOT / "local.settings.json", ROOT / "local.settings.sample.json"]
    for candidate in candidates:
        if candidate.exists():
            values = json.loads(candidate.read_text(encoding="utf-8-sig")).get("Values") or {}
            return {str(k): str(v) for k, v in values.items()}
    raise SystemExit(f"error: settings file {candidates[0]} does not exist")


def webhook_secret(environ: Mapping[str, str], settings: Path | None) -> str:
    secret = environ.get("WEBHOOK_SECRET") or settings_values(settings).get("WEBHOOK_SECRET", "")
    if not secret:
        raise SystemExit("error: WEBHOOK_SECRET is neither in the environment nor in the settings file")
    return secret


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.send_webhook", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--url", default="http://127.0.0.1:7071", help="the host's base URL")
    parser.add_argument("--route-prefix", default="api", help="host.json routePrefix (default: api)")
    parser.add_argument("--key", default=None, help="function key (default: $FUNCTION_KEY)")
    parser.add_argument("--settings", type=Path, default=None, help="where WEBHOOK_SECRET is read from")
    parser.add_argument("--email", default="john@tailspintoys.com")
    parser.add_argument("--name", default="John Doe", help="display name")
    parser.add_argument("--group", action="append", help=f"group object id (repeatable; default {FEELGOOD})")
    parser.add_argument("--sponsor", default=None, help=f"sponsor's object id (e.g. Megan Bowen, {MEGAN})")
    parser.add_argument("--ref", default="HR-1001", help="external reference, echoed back")
    parser.add_argument("--body", type=Path, default=None, help="send this JSON file instead of the fields")
    parser.add_argument(
        "--batch", action="store_true", help="POST to /guests/batch (body: {'guests': [...]})"
    )
    return parser.parse_args(argv)


def payload_of(args: argparse.Namespace) -> dict[str, Any]:
    if args.body is not None:
        loaded: dict[str, Any] = json.loads(args.body.read_text(encoding="utf-8"))
        return loaded
    guest: dict[str, Any] = {
        "email": args.email,
        "displayName": args.name,
        "groups": args.group or [FEELGOOD],
    }
    guest |= {"externalRef": args.ref} if args.ref else {}
    guest |= {"sponsor": args.sponsor} if args.sponsor else {}
    return {"guests": [guest]} if args.batch else guest


async def send(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    prefix = f"/{args.route_prefix.strip('/')}" if args.route_prefix.strip("/") else ""
    url = f"{args.url.rstrip('/')}{prefix}/guests{'/batch' if args.batch else ''}"
    secret = webhook_secret(environ, args.settings)
    async with httpx.AsyncClient(timeout=60) as client:
        response = await post_signed(
            client, url, payload_of(args), secret=secret, key=args.key or environ.get("FUNCTION_KEY")
        )
    print(f"POST {url} -> {response.status_code}")
    try:
        print(json.dumps(response.json(), indent=2))
    except ValueError:
        print(response.text or "(empty body)")
    return 0 if response.is_success else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(send(args, os.environ))
    except httpx.HTTPError as exc:
        print(f"error: {type(exc).__name__}: {exc} (is the host running at {args.url}?)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
