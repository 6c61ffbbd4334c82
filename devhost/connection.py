"""uvicorn's h11 protocol with the connection deadlines it lacks, so a slow client cannot hold a socket.

uvicorn (h11) arms its keep-alive timer only once a response is out, any byte received cancels it, and
it has no timer for request headers (``h11_max_incomplete_event_size`` bounds their size, not their
time). So a connection that never sends a byte, a request head that never ends, or the rest of a body
nobody reads would stay open for good. This protocol adds Kestrel's deadlines (``devhost.limits``):
the keep-alive timeout from the moment a connection opens, the request headers timeout from a
request's first byte (then 408, as Kestrel answers), and the keep-alive timeout for the unread rest of
a body once the response is out. A body that a handler reads is timed by ``limits.read_body``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from devhost.limits import HttpLimits

log = logging.getLogger("devhost")


class DeadlineH11Protocol(H11Protocol):
    limits: ClassVar[HttpLimits] = HttpLimits()
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # uvicorn arms the keep-alive timer only after a response: a client that never sends stays for good
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        super().connection_lost(exc)

    def _watch(self) -> None:
        """Start the deadline for what the client still owes when no handler is waiting for it."""
        if self.transport.is_closing():
            self._stop_deadline()
        elif self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]:
            self._start_deadline(self.limits.request_headers_timeout, self._headers_timed_out)
        elif (
            self.conn.their_state is h11.SEND_BODY and self.cycle is not None and self.cycle.response_complete
        ):
            self._start_deadline(self.timeout_keep_alive, self.timeout_keep_alive_handler)
        else:
            self._stop_deadline()

    def _start_deadline(self, seconds: float | None, expire: Callable[[], None]) -> None:
        if self._deadline is None and seconds is not None:
            self._deadline = self.loop.call_later(seconds, expire)

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_timed_out(self) -> None:
        """Kestrel's answer to ``RequestHeadersTimeout``: 408, empty body, connection closed."""
        self._deadline = None
        if self.transport.is_closing():
            return
        log.info("HTTP request headers incomplete after %ss -> 408", self.limits.request_headers_timeout)
        headers = [*self.server_state.default_headers, (b"content-length", b"0"), (b"connection", b"close")]
        head = b"HTTP/1.1 408 Request Timeout\r\n" + b"".join(
            name + b": " + value + b"\r\n" for name, value in headers
        )
        self.transport.write(head + b"\r\n")  # h11 cannot answer a request it has not parsed yet
        self.transport.close()


def protocol_with(limits: HttpLimits) -> type[DeadlineH11Protocol]:
    """The protocol class for uvicorn's ``http`` option (it instantiates one per connection)."""

    class Protocol(DeadlineH11Protocol):
        pass

    Protocol.limits = limits
    return Protocol
