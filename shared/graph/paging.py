"""Every item of a Graph list, following ``@odata.nextLink`` through the SDK's adapter.

The next link is opaque and absolute (Graph: "include the entire URL"), so each later page is a
``RequestInformation`` whose URL is that link, sent like the first page (auth, retry, telemetry),
as ``msgraph_core.PageIterator`` does; items stay plain JSON (no typed deserialisation).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import GraphRequestFailed
from shared.graph.raw import send_json

MAX_PAGES = 1000  # a guard against a server that links a page to itself


async def pages(graph: GraphServiceClient, first: RequestInformation) -> AsyncIterator[list[dict[str, Any]]]:
    """The ``value`` of each page, first to last."""
    request: RequestInformation | None = first
    for _ in range(MAX_PAGES):
        if request is None:
            return
        body = await send_json(graph, request) or {}
        yield list(body.get("value") or [])
        next_link = body.get("@odata.nextLink")
        request = _next(first, next_link) if next_link else None
    raise GraphRequestFailed(502, "TooManyPages", f"more than {MAX_PAGES} pages")


async def list_all(graph: GraphServiceClient, first: RequestInformation) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    async for page in pages(graph, first):
        items.extend(page)
    return items


def _next(first: RequestInformation, next_link: str) -> RequestInformation:
    if not next_link.startswith(("https://", "http://")):
        raise GraphRequestFailed(502, "InvalidNextLink", "@odata.nextLink is not an absolute URL")
    request = RequestInformation()
    request.http_method = Method.GET
    request.url = next_link
    request.headers = first.headers
    request.add_request_options(list(first.request_options.values()))
    return request
