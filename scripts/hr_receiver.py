"""A local HR system's callback endpoint: a loopback HTTP server that verifies each callback's
Standard Webhooks signature with the ``standardwebhooks`` library (as an HR system would, and
independently of the app's signing code) and records what arrived.

``make demo`` points the app's ``HR_CALLBACK_URL`` at it and reports what it received; the tests use
it to see outcomes reach HR. It serves from a thread of the caller's process (``serving``), so a
synchronous script and a test's event loop can share it. It answers 204; 401 to a signature that
does not verify (recorded, ``verified`` false); 503 for the first ``fail_first`` deliveries of each
webhook id, or for all of them with ``always_fail``, so that tests can exercise the host's retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

PATH = "/hr/guestkeeper"


@dataclass(frozen=True)
class Received:
    webhook_id: str
    payload: dict[str, Any]  # the body as JSON ({} if it is not); to be trusted only when verified
    attempt: int  # deliveries of this webhook id so far, this one included
    status: int  # what the receiver answered
    verified: bool  # the signature verified with the secret, within the library's timestamp tolerance
    at: datetime  # when it arrived (wall clock: the signature's timestamp is judged against it)


@dataclass
class Receiver:
    secret: str = field(repr=False)
    fail_first: int = 0
    always_fail: bool = False
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def refused_signatures(self) -> int:
        return sum(1 for r in self.received if not r.verified)

    def accepted(self) -> dict[str, dict[str, Any]]:
        """Webhook id -> payload of each callback answered with 204."""
        return {r.webhook_id: r.payload for r in list(self.received) if r.status == 204}

    def attempts(self, webhook_id: str) -> int:
        return sum(1 for r in list(self.received) if r.webhook_id == webhook_id)

    async def wait_for(self, count: int, *, accepted: bool = True) -> None:
        """Until ``count`` callbacks were accepted (or, ``accepted`` false, delivered at all); callers
        bound the wait with ``asyncio.timeout``. Polls: the server answers from another thread."""
        while len(self.accepted() if accepted else self.received) < count:  # noqa: ASYNC110  # see above
            await asyncio.sleep(0.02)

    def receive(self, body: bytes, headers: Mapping[str, str]) -> int:
        """Verify, record and answer one delivery; returns the HTTP status to answer with."""
        try:
            Webhook(self.secret).verify(body, dict(headers))
            verified = True
        except WebhookVerificationError:
            verified = False
        with self._lock:
            ident = headers.get("webhook-id", "")
            attempt = self.attempts(ident) + 1
            failing = self.always_fail or attempt <= self.fail_first
            status = 401 if not verified else 503 if failing else 204
            self.received.append(Received(ident, _json(body), attempt, status, verified, datetime.now(UTC)))
        return status


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@contextlib.contextmanager
def serving(receiver: Receiver) -> Iterator[str]:
    """The receiver's URL on a free loopback port while it listens (a daemon thread serves it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server dispatches to
            if urlsplit(self.path).path != PATH:
                self.send_response(404)
            else:
                length = int(self.headers.get("content-length") or 0)
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.send_response(receiver.receive(self.rfile.read(length), headers))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None  # a URL may carry a token: log nothing

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="hr-receiver", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
