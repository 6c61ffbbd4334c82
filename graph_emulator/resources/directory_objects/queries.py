"""Advanced query rules for directory objects (Graph docs: "Advanced query capabilities on
Microsoft Entra ID objects", section "Error handling for advanced queries on directory objects").

- ``$count`` as a URL segment needs ``ConsistencyLevel: eventual``, else 400 with the documented
  message; ``?$count=true`` without the header is silently ignored (see ``http.list_response``).
- ``endsWith`` needs the header and ``$count=true``; ``$search`` needs the header.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...errors import BadRequest
from ...http import is_eventual
from ...odata import UnsupportedQuery, parse_filter

COUNT_UNSUPPORTED = "$count is not currently supported."
ENDSWITH_UNSUPPORTED = (
    "Operator 'endsWith' is not supported because the required parameters might be missing. "
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)
SEARCH_UNSUPPORTED = (
    "Request with $search query parameter only works through MSGraph with a special request "
    "header: 'ConsistencyLevel: eventual'"
)


def is_advanced(request: Request) -> bool:
    """``ConsistencyLevel: eventual`` together with ``$count=true``."""
    return is_eventual(request) and request.query_params.get("$count", "").lower() == "true"


def check_directory_query(request: Request, *, filter_needs_advanced: str | None = None) -> None:
    """Refuse what Graph refuses outside advanced queries.

    ``filter_needs_advanced`` names a relationship (e.g. ``memberOf``) whose ``$filter`` is only
    served as an advanced query; the message for that case is the emulator's own.
    """
    if "$search" in request.query_params:
        if not is_eventual(request):
            raise UnsupportedQuery(SEARCH_UNSUPPORTED)
        raise UnsupportedQuery("The emulator does not implement $search; use $filter.")
    raw_filter = request.query_params.get("$filter", "")
    if "endswith(" in raw_filter.replace(" ", "").lower() and not is_advanced(request):
        raise UnsupportedQuery(ENDSWITH_UNSUPPORTED)
    if raw_filter and filter_needs_advanced and not is_advanced(request):
        raise UnsupportedQuery(
            f"$filter on {filter_needs_advanced} is supported only as an advanced query: "
            "add $count=true and the ConsistencyLevel: eventual header."
        )


def count_response(request: Request, items: Iterable[dict[str, Any]]) -> Response:
    """``GET …/$count``: a plain-text number, only with ``ConsistencyLevel: eventual``."""
    if not is_eventual(request):
        raise BadRequest(COUNT_UNSUPPORTED)
    raw_filter = request.query_params.get("$filter")
    predicate = parse_filter(raw_filter) if raw_filter else None
    total = sum(1 for item in items if predicate is None or predicate(item))
    return Response(str(total), media_type="text/plain")
