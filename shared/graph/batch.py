"""JSON batching (``POST /$batch``) without the SDK batch classes' defects.

The SDK's ``BatchRequestItem`` ignores ids passed to ``add_request``, drops response bodies and
writes ``depends_on`` in snake case (msgraph-sdk 1.65). So this helper:

- sets each item's id explicitly and never uses ``dependsOn`` (every batch is fully parallel);
- builds items from the SDK's request builders (``to_*_request_information``) and sends the batch
  through the SDK's adapter (auth, retry of the outer request, telemetry), reading raw bytes;
- parses the response itself, so bodies and ``Retry-After`` headers of items survive;
- retries only the items that failed with 429/5xx, honouring their ``Retry-After``, and the 404s of
  items marked ``retry_not_found`` (an object we just created that has not replicated yet), both
  bounded in attempts and in total time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kiota_abstractions.request_information import RequestInformation
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from shared.errors import GraphFailure
from shared.graph.errors import from_batch_item, retry_after
from shared.graph.pacing import SlidingWindowLimiter
from shared.graph.raw import send_json

MAX_BATCH = 20


@dataclass(frozen=True)
class BatchRequest:
    id: str
    request: RequestInformation = field(repr=False)
    retry_not_found: bool = False  # the target was just created: a 404 is replication delay
    paced: bool = False  # counts against the invitation limit


@dataclass(frozen=True)
class BatchResponse:
    id: str
    status: int
    headers: Mapping[str, str]
    body: Any = field(repr=False)
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def failure(self) -> GraphFailure:
        return from_batch_item(self.status, self.headers, self.body)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # sends of an item failing with 429/5xx, the first included
    not_found_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
    default_retry_after: float = 2.0
    max_retry_after: float = 30.0  # a longer wait is not worth holding an HTTP call open
    deadline: float = 60.0  # total seconds of waiting between rounds
    concurrency: int = 4  # batches in flight at once


Sleep = Callable[[float], Awaitable[None]]


async def send_batch(
    graph: GraphServiceClient,
    requests: Sequence[BatchRequest],
    *,
    policy: RetryPolicy | None = None,
    limiter: SlidingWindowLimiter | None = None,
    sleep: Sleep = asyncio.sleep,
    sizes: Sequence[int] = (MAX_BATCH,),
) -> dict[str, BatchResponse]:
    """Send any number of requests in batches; return each final response, by id.

    Batch sizes follow ``sizes`` in turn (each at most 20), so paced batches can fill a window exactly.
    """
    if not sizes or not all(1 <= size <= MAX_BATCH for size in sizes):
        raise ValueError(f"a batch holds 1 to {MAX_BATCH} requests")
    policy = policy or RetryPolicy()
    if len({r.id.lower() for r in requests}) != len(requests):
        raise ValueError("batch request ids must be unique")
    results: dict[str, BatchResponse] = {}
    tries: dict[str, int] = dict.fromkeys((r.id for r in requests), 0)
    not_found: dict[str, int] = dict.fromkeys((r.id for r in requests), 0)
    pending, waited = list(requests), 0.0
    while pending:
        sent = await _send_all(graph, pending, policy.concurrency, limiter, sizes)
        again: list[BatchRequest] = []
        delay = 0.0
        for request in pending:
            tries[request.id] += 1
            response = replace(sent[request.id], attempts=tries[request.id])
            results[request.id] = response
            wait = _retry_delay(request, response, tries[request.id], not_found, policy)
            if wait is not None:
                again.append(request)
                delay = max(delay, wait)
        if not again or waited + delay > policy.deadline:
            break
        await sleep(delay)
        waited += delay
        pending = again
    return results


def _retry_delay(
    request: BatchRequest, response: BatchResponse, tries: int, not_found: dict[str, int], policy: RetryPolicy
) -> float | None:
    """Seconds to wait before this item's next try, or None when it is final."""
    if response.status == 429 or response.status >= 500:
        wait = retry_after(response.headers)
        wait = policy.default_retry_after if wait is None else wait
        return wait if tries < policy.max_attempts and wait <= policy.max_retry_after else None
    if (
        response.status == 404
        and request.retry_not_found
        and not_found[request.id] < len(policy.not_found_delays)
    ):
        not_found[request.id] += 1
        return policy.not_found_delays[not_found[request.id] - 1]
    return None


async def _send_all(
    graph: GraphServiceClient,
    requests: Sequence[BatchRequest],
    concurrency: int,
    limiter: SlidingWindowLimiter | None,
    sizes: Sequence[int],
) -> dict[str, BatchResponse]:
    chunks: list[Sequence[BatchRequest]] = []
    start = 0
    for size in itertools.cycle(sizes):
        if start >= len(requests):
            break
        chunks.append(requests[start : start + size])
        start += size
    gate = asyncio.Semaphore(concurrency)

    async def one(chunk: Sequence[BatchRequest]) -> dict[str, BatchResponse]:
        async with gate:
            paced = sum(1 for r in chunk if r.paced)
            if limiter is None or not paced:
                return await _send_chunk(graph, chunk)
            async with limiter.reserve(paced):
                return await _send_chunk(graph, chunk)

    merged: dict[str, BatchResponse] = {}
    for part in await asyncio.gather(*(one(c) for c in chunks)):
        merged.update(part)
    return merged


async def _send_chunk(graph: GraphServiceClient, chunk: Sequence[BatchRequest]) -> dict[str, BatchResponse]:
    """One ``POST /$batch``; a failure of the whole batch becomes that failure for each item."""
    content = BatchRequestContent()
    for request in chunk:
        item = BatchRequestItem(request.request, id=request.id)
        item.url = strip_root(graph, item.url)  # the URL it just expanded: expanding costs ~0.1 ms
        content.add_request(request.id, item)
    try:
        info = await graph.batch.to_post_request_information(content)
        body = await send_json(graph, info)
    except GraphFailure as failure:
        return {r.id: _synthetic(r.id, failure.status, failure.code, failure.retry_after) for r in chunk}
    by_id = {str(item.get("id", "")).lower(): item for item in (body or {}).get("responses", [])}
    out: dict[str, BatchResponse] = {}
    for request in chunk:
        item = by_id.get(request.id.lower())
        if item is None:
            out[request.id] = _synthetic(request.id, 502, "MissingBatchResponse", None)
            continue
        out[request.id] = BatchResponse(
            id=request.id,
            status=int(item.get("status", 502)),
            headers={str(k): str(v) for k, v in (item.get("headers") or {}).items()},
            body=_body(item.get("body")),
        )
    return out


def relative_url(graph: GraphServiceClient, request: RequestInformation) -> str:
    """An item's URL relative to the service root, as ``$batch`` requires (``/users/{id}?...``).

    ``BatchRequestItem`` copies ``request.url`` as is. That is absolute once the adapter has sent
    any request built from the client's builders (it writes ``baseurl`` into the path parameters
    the builders share), and for requests built ``with_url``; strip the service root then.
    """
    return strip_root(graph, request.url)


def strip_root(graph: GraphServiceClient, url: str) -> str:
    """``url`` without the client's service root, if it starts with it."""
    root = graph.request_adapter.base_url.rstrip("/")
    return url[len(root) :] if url.startswith(root + "/") else url


def _body(value: Any) -> Any:
    """Graph inlines JSON bodies as objects; a string body may be JSON text or base64 (left as is)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _synthetic(ident: str, status: int, code: str, wait: float | None) -> BatchResponse:
    headers = {"Retry-After": str(int(wait))} if wait is not None else {}
    return BatchResponse(ident, status, headers, {"error": {"code": code, "message": ""}})
