"""OData query support, written once: ``$select``, ``$top``/``$skip``/``$skiptoken`` paging with
absolute ``@odata.nextLink``, ``$count``, and ``$filter`` (compiled by ``odata_filter``). The syntax
of ``$orderby``, ``$search`` and ``$expand`` lives in ``odata_orderby``, ``odata_search`` and
``odata_expand``; which collections accept them is each resource's rule.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .errors import BadRequest
from .odata_filter import CompiledFilter, Predicate, compile_filter, parse_filter, quote

__all__ = [
    "CompiledFilter",
    "ListQuery",
    "Predicate",
    "UnsupportedQuery",
    "compile_filter",
    "page",
    "parse_filter",
    "parse_list_query",
    "quote",
    "select",
]

Json = dict[str, Any]


class UnsupportedQuery(BadRequest):
    code = "Request_UnsupportedQuery"


# ---------------------------------------------------------------- $select


def select(item: Json, fields: Sequence[str] | None) -> Json:
    if not fields:
        return item
    keep = set(fields)
    return {k: v for k, v in item.items() if k in keep or k.startswith("@odata.")}


def parse_select(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


# ---------------------------------------------------------------- paging


@dataclass(frozen=True)
class ListQuery:
    """The list-shaping parameters of one request, parsed and bounded."""

    filter: Predicate | None
    select: list[str] | None
    top: int
    offset: int
    count: bool


def parse_list_query(
    params: Mapping[str, str],
    *,
    default_top: int = 100,
    max_top: int = 999,
    skip_supported: bool = False,
) -> ListQuery:
    top_raw = params.get("$top")
    top = default_top
    if top_raw is not None:
        if not top_raw.isdigit() or int(top_raw) < 1:
            raise BadRequest(f"Invalid value '{top_raw}' for query parameter '$top'.")
        top = min(int(top_raw), max_top)
        if int(top_raw) > max_top:
            raise BadRequest(
                f"Invalid page size specified: '{top_raw}'. Must be between 1 and {max_top} inclusive.",
                code="Request_UnsupportedQuery",
            )
    offset = 0
    if "$skiptoken" in params:
        offset = _decode_skiptoken(params["$skiptoken"])
    if "$skip" in params:
        if not skip_supported:
            raise UnsupportedQuery("'$skip' is not supported by the service.")
        skip = params["$skip"]
        if not skip.isdigit():
            raise BadRequest(f"Invalid value '{skip}' for query parameter '$skip'.")
        offset = int(skip)
    count = params.get("$count", "").lower() == "true"
    raw_filter = params.get("$filter")
    predicate = parse_filter(raw_filter) if raw_filter else None
    return ListQuery(predicate, parse_select(params.get("$select")), top, offset, count)


def _encode_skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode_skiptoken(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["o"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadRequest("Invalid $skiptoken value.", code="Request_UnsupportedQuery") from exc
    if not isinstance(offset, int) or offset < 0:
        raise BadRequest("Invalid $skiptoken value.", code="Request_UnsupportedQuery")
    return offset


def page(
    items: Iterable[Json],
    query: ListQuery,
    *,
    context: str,
    self_url: str,
    params: Mapping[str, str],
    skip_style: bool = False,
    default_select: Callable[[Json], Sequence[str]] | None = None,
    expand: Callable[[Json], Json] | None = None,
) -> Json:
    """Filter, count, slice and select; ``@odata.nextLink`` is absolute and opaque to clients.

    ``skip_style`` pages with ``$skip`` (access reviews) instead of ``$skiptoken`` (directory).
    ``default_select`` gives an item's properties when the query selects none.
    ``expand`` gives the expanded relationships of one (unselected) item, added after ``$select``.
    """
    matched = [item for item in items if query.filter is None or query.filter(item)]
    window = matched[query.offset : query.offset + query.top]
    body: Json = {"@odata.context": context}
    if query.count and query.offset == 0:
        body["@odata.count"] = len(matched)
    next_offset = query.offset + query.top
    if next_offset < len(matched):
        carried = {k: v for k, v in params.items() if k not in {"$skiptoken", "$skip", "$count"}}
        carried["$top"] = str(query.top)
        if skip_style:
            carried["$skip"] = str(next_offset)
        else:
            carried["$skiptoken"] = _encode_skiptoken(next_offset)
        body["@odata.nextLink"] = f"{self_url}?{urlencode(carried, safe='$(),:/@')}"
    body["value"] = [_shown(item, query.select, default_select, expand) for item in window]
    return body


def _shown(
    item: Json,
    fields: Sequence[str] | None,
    default_select: Callable[[Json], Sequence[str]] | None,
    expand: Callable[[Json], Json] | None,
) -> Json:
    """One matched item as the page shows it: selected, then expanded."""
    if fields is None and default_select is not None:
        fields = default_select(item)
    shown = select(item, fields)
    return shown if expand is None else {**shown, **expand(item)}
