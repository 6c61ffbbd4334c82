"""Slow and vanishing clients on a real loopback socket: Kestrel's deadlines and answers, no tracebacks.

Kestrel (the Functions host's web server, which keeps Kestrel's limits but the body size) answers
408 with an empty body and closes the connection when request headers or a request body arrive too
slowly: https://learn.microsoft.com/dotnet/api/microsoft.aspnetcore.server.kestrel.core.kestrelserverlimits
(``RequestHeadersTimeout``, ``MinRequestBodyDataRate``, ``KeepAliveTimeout``). The limits here are
shortened so that each test takes about a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from devhost import DevHost, DevHostOptions
from devhost.limits import HttpLimits
from tests.devhost.conftest import FIXTURE_APP, FUNCTION_KEY, eventually, read_records, write_settings

Serve = Callable[[HttpLimits], Awaitable[DevHost]]
HELLO = f"POST /api/hello/x?code={FUNCTION_KEY} HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n".encode()


@pytest.fixture
async def serve(tmp_path: Path, record_file: Path, base_values: dict[str, str]) -> AsyncIterator[Serve]:
    """devhost on the fixture app, on a free loopback port, with the given limits; stopped after the test."""
    served: list[tuple[DevHost, asyncio.Task[None]]] = []

    async def start(limits: HttpLimits) -> DevHost:
        settings = write_settings(tmp_path / "settings.json", base_values)
        options = DevHostOptions(
            app_dir=FIXTURE_APP,
            settings_file=settings,
            port=0,
            listeners=False,
            function_key=FUNCTION_KEY,
            http_limits=limits,
        )
        host = DevHost(options)
        ready = asyncio.Event()
        served.append((host, asyncio.create_task(host.serve(ready=ready.set, handle_signals=False))))
        await asyncio.wait_for(ready.wait(), 10)
        return host

    yield start
    for host, task in served:
        host.request_shutdown()
        await asyncio.wait_for(task, 10)


async def until_closed(host: DevHost, sent: bytes, *, trickle: bytes = b"", within: float = 5.0) -> bytes:
    """Send ``sent`` (then ``trickle`` a byte every 0.2 s) and read until devhost closes the connection."""
    address, port = host.url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(address, int(port))

    async def dribble() -> None:
        for byte in trickle:
            await asyncio.sleep(0.2)
            writer.write(bytes([byte]))

    writer.write(sent)
    dribbling = asyncio.create_task(dribble())
    try:
        return await asyncio.wait_for(reader.read(), within)  # read() returns at end of stream only
    finally:
        dribbling.cancel()
        writer.close()


def parse(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "Exception in ASGI" in r.getMessage()]


async def test_a_body_that_stops_arriving_gets_408_and_nothing_runs(
    serve: Serve, record_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    host = await serve(HttpLimits(request_body_grace=0.3))
    status, headers, body = parse(await until_closed(host, HELLO + b"0123456789"))
    assert (status, body) == (408, b"")
    assert (headers["content-length"], headers["connection"]) == ("0", "close")
    assert read_records(record_file) == []
    assert [r.getMessage() for r in caplog.records if "-> 408" in r.getMessage()] == [
        "HTTP POST hello/{name} -> 408: request body too slow (10 bytes in 0.3s)"
    ]
    assert tracebacks(caplog) == []


async def test_a_body_in_pieces_within_the_minimum_rate_reaches_the_function_whole(serve: Serve) -> None:
    host = await serve(HttpLimits(request_body_grace=0.3))
    head = HELLO.replace(b"HTTP/1.1", b"HTTP/1.0").replace(b"100", b"1000")  # HTTP/1.0: closes when done
    address, port = host.url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(address, int(port))
    writer.write(head)
    for piece in range(4):  # 250 bytes every 0.15 s: past the grace period, far above 240 bytes/s
        await asyncio.sleep(0.15)
        writer.write(str(piece).encode() * 250)
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    status, _, body = parse(answer)
    assert status == 201
    assert b"0" * 250 + b"1" * 250 + b"2" * 250 + b"3" * 250 in body


def test_the_minimum_body_rate_applies_after_the_grace_period() -> None:
    limits = HttpLimits()
    assert (limits.request_body_grace, limits.request_body_min_rate) == (5.0, 240.0)  # Kestrel's defaults
    assert limits.body_wait_allowed(0) == 5.0
    assert limits.body_wait_allowed(240 * 12) == 12.0
    assert HttpLimits(request_body_grace=None).body_wait_allowed(10**9) is None


async def test_request_headers_that_never_end_get_408(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    host = await serve(HttpLimits(request_headers_timeout=0.3))
    status, headers, body = parse(await until_closed(host, b"POST /api/hello/x HTTP/1.1\r\nHost: t\r\n"))
    assert (status, body) == (408, b"")
    assert (headers["content-length"], headers["connection"]) == ("0", "close")
    assert "HTTP request headers incomplete after 0.3s -> 408" in caplog.messages
    assert tracebacks(caplog) == []


async def test_trickled_headers_do_not_extend_the_deadline(serve: Serve) -> None:
    host = await serve(HttpLimits(request_headers_timeout=0.5))
    started = asyncio.get_running_loop().time()
    answer = await until_closed(host, b"GET /api/hello/x HTTP/1.1\r\n", trickle=b"X-Slow: " + b"a" * 40)
    assert parse(answer)[0] == 408
    assert asyncio.get_running_loop().time() - started < 3  # the trickle would have lasted 10 s


async def test_a_connection_that_sends_nothing_is_closed_after_the_keep_alive_timeout(serve: Serve) -> None:
    host = await serve(HttpLimits(keep_alive_timeout=1))
    assert await until_closed(host, b"") == b""


async def test_the_unread_rest_of_a_body_cannot_hold_the_connection(serve: Serve) -> None:
    """No key: 401 before the body is read; the client then trickles the body, which nobody reads."""
    host = await serve(HttpLimits(keep_alive_timeout=1))
    no_key = b"POST /api/hello/x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n"
    status, _, body = parse(await until_closed(host, no_key, trickle=b"b" * 50))  # 10 s of trickle
    assert (status, body) == (401, b"")


@pytest.mark.parametrize(
    "head",
    [HELLO, b"POST /admin/functions/tick HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n"],
    ids=["function", "admin"],
)
async def test_a_client_that_leaves_mid_body_is_one_log_line_and_nothing_runs(
    serve: Serve, record_file: Path, caplog: pytest.LogCaptureFixture, head: bytes
) -> None:
    caplog.set_level(logging.INFO)
    host = await serve(HttpLimits())
    address, port = host.url.removeprefix("http://").rsplit(":", 1)
    _, writer = await asyncio.open_connection(address, int(port))
    writer.write(head + b'{"input": "')
    await writer.drain()
    writer.close()
    aborted = await eventually(lambda: [m for m in caplog.messages if "aborted by the client" in m], within=5)
    await asyncio.sleep(0.2)  # anything logged after the line would show up now
    assert aborted == [m for m in caplog.messages if "aborted by the client" in m]
    assert len(aborted) == 1
    assert tracebacks(caplog) == []
    assert read_records(record_file) == []
    assert host.invocations == []
