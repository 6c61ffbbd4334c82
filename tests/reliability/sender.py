"""An HR system's webhook sender: Standard Webhooks deliveries, retried as such senders retry.

A delivery keeps its ``webhook-id`` across attempts and is signed again with the attempt's
timestamp. 503 and 429 answers are retried after their ``Retry-After``, a bounded number of
times; every other answer is final. The bulk form (207) is final as a whole; the sync then sends
the entries that failed with 5xx again, as a new delivery (docs/onboarding.md, Bulk).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.shared.conftest import SECRET, Reply, signed_headers

RETRYABLE = frozenset({429, 503})
Post = Callable[..., Awaitable[Reply]]


@dataclass
class Delivery:
    """One webhook (one id) and every attempt it took."""

    webhook_id: str
    statuses: list[int] = field(default_factory=list)
    waited: float = 0.0  # seconds spent honouring Retry-After
    retried_on: list[str] = field(default_factory=list)  # "503 onboarding-incomplete", ...
    reply: Reply | None = None
    seconds: float = 0.0  # from the first attempt to the final answer, Retry-After waits included

    @property
    def final(self) -> int:
        return self.statuses[-1]

    @property
    def retries(self) -> int:
        return len(self.statuses) - 1


async def deliver(
    post: Post,
    payload: Any,
    *,
    bulk: bool = False,
    webhook_id: str | None = None,
    max_attempts: int = 6,
    clock: Callable[[], float] = time.monotonic,
    secret: str = SECRET,
) -> Delivery:
    """Send one webhook until it gets a final answer (or ``max_attempts`` retryable ones)."""
    body = json.dumps(payload).encode()
    delivery = Delivery(webhook_id or f"msg_{uuid.uuid4().hex}")
    began = clock()
    for attempt in range(1, max_attempts + 1):
        reply = await post(
            None,
            raw=body,
            headers=signed_headers(body, webhook_id=delivery.webhook_id, secret=secret),
            bulk=bulk,
        )
        delivery.statuses.append(reply.status)
        delivery.reply = reply
        if reply.status not in RETRYABLE or attempt == max_attempts:
            break
        delivery.retried_on.append(f"{reply.status} {reply.problem_type}")
        wait = float(reply.headers["Retry-After"])  # a retryable answer without one is a contract breach
        started = clock()
        await asyncio.sleep(wait)
        delivery.waited += clock() - started
    delivery.seconds = clock() - began
    return delivery
