"""How long devhost waits for a client: Kestrel's limits, which the Functions host keeps.

The Functions host runs on Kestrel and changes only ``MaxRequestBodySize``, so a slow client meets
Kestrel's defaults there: 130 s to start a request on an idle connection (``KeepAliveTimeout``),
30 s from its first byte to the end of its headers (``RequestHeadersTimeout``), and a request body
that must average 240 bytes/s once a 5 s grace period has passed (``MinRequestBodyDataRate``).
Headers or a body that are too slow get 408 with an empty body and the connection closed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.requests import ClientDisconnect
from starlette.types import Receive


@dataclass(frozen=True)
class HttpLimits:
    keep_alive_timeout: int = 130  # whole seconds: uvicorn's unit
    request_headers_timeout: float | None = 30.0  # None: no limit
    request_body_grace: float | None = 5.0  # None: no minimum body data rate
    request_body_min_rate: float = 240.0  # bytes/s, enforced after the grace period

    def body_wait_allowed(self, received: int) -> float | None:
        """Seconds a body may have taken once ``received`` bytes are in (Kestrel's rate check)."""
        if self.request_body_grace is None:
            return None
        return max(self.request_body_grace, received / self.request_body_min_rate)


class RequestBodyTimeout(Exception):
    """The request body arrived more slowly than the minimum data rate allows."""

    def __init__(self, received: int, elapsed: float):
        super().__init__(f"{received} bytes in {elapsed:.1f}s")
        self.received = received
        self.elapsed = elapsed


async def read_body(receive: Receive, limits: HttpLimits) -> bytes:
    """The whole body; ``RequestBodyTimeout`` when it is too slow, ``ClientDisconnect`` if the client left."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    chunks: list[bytes] = []
    received = 0
    while True:
        allowed = limits.body_wait_allowed(received)
        try:
            async with asyncio.timeout_at(None if allowed is None else started + allowed):
                message = await receive()
        except TimeoutError:
            raise RequestBodyTimeout(received, loop.time() - started) from None
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk: bytes = message.get("body", b"")
        chunks.append(chunk)
        received += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
