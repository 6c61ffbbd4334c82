"""A local HR receiver on a loopback port: it verifies each callback's Standard Webhooks signature
with the ``standardwebhooks`` library (as an HR system would), records it, and answers as told:
204, or 503 for the first ``fail_first`` deliveries of each webhook id, or always 503."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.reliability.stack import serve_asgi


@dataclass(frozen=True)
class Received:
    webhook_id: str
    payload: dict[str, Any]
    attempt: int  # deliveries of this webhook id so far, this one included
    status: int  # what the receiver answered


@dataclass
class Receiver:
    secret: str
    fail_first: int = 0
    always_fail: bool = False
    received: list[Received] = field(default_factory=list)
    refused_signatures: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def accepted(self) -> dict[str, dict[str, Any]]:
        """Webhook id -> payload of each callback answered with 204."""
        return {r.webhook_id: r.payload for r in self.received if r.status == 204}

    def attempts(self, webhook_id: str) -> int:
        return sum(1 for r in self.received if r.webhook_id == webhook_id)

    async def wait_for(self, count: int, *, accepted: bool = True) -> None:
        """Until ``count`` callbacks were accepted (or, ``accepted`` False, delivered at all); callers
        bound the wait with ``asyncio.timeout``."""
        while len(self.accepted() if accepted else self.received) < count:
            self.arrived.clear()
            await self.arrived.wait()

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.refused_signatures += 1
            return Response(status_code=401)
        ident = request.headers["webhook-id"]
        attempt = self.attempts(ident) + 1
        status = 503 if self.always_fail or attempt <= self.fail_first else 204
        self.received.append(Received(ident, payload, attempt, status))
        self.arrived.set()
        return Response(status_code=status)


@contextlib.asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[str]:
    """The receiver's URL while it listens."""
    app = Starlette(routes=[Route("/hr/guestkeeper", receiver.hook, methods=["POST"])])
    async with serve_asgi(app) as base:
        yield f"{base}/hr/guestkeeper"
