"""Send a request built by the SDK's request builders and read the body as JSON, not typed models.

The request still goes through the SDK's adapter: authentication, retry (``Retry-After``),
redirects and telemetry. Only the typed deserialisation (milliseconds per object) is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.request_information import RequestInformation
from kiota_abstractions.serialization import ParsableFactory
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import Transient
from shared.graph.errors import from_api_error

ERROR_MAPPING: dict[str, type[ParsableFactory[Any]]] = {"XXX": ODataError}


async def send_json(graph: GraphServiceClient, request: RequestInformation) -> Any:
    """The parsed JSON body (None for 204); a Graph error raises a classified ``GraphFailure``."""
    try:
        # the adapter's return type is an unbound TypeVar; "bytes" makes it bytes or None (204)
        send: Callable[..., Awaitable[bytes | None]] = graph.request_adapter.send_primitive_async
        raw = await send(request, "bytes", ERROR_MAPPING)
    except APIError as exc:
        # from None: a host logs a failed function's exception with its causes, and Graph's message
        # (kept on the GraphFailure, never logged) can quote what the request carried
        raise from_api_error(exc) from None
    except httpx.TransportError as exc:
        raise Transient(503, "NetworkError", type(exc).__name__) from exc
    return json.loads(raw) if raw else None
