"""Graph's query rules on directory collections: users, groups, a group's members and owners, a
user's memberOf, deleted items ("Advanced query capabilities on Microsoft Entra ID objects",
learn.microsoft.com/graph/aad-advanced-queries, and the errors Graph answers).

An *advanced query* sends ``ConsistencyLevel: eventual`` and ``$count=true`` (``$search`` needs only
the header). Outside one:
- a ``$count`` URL segment is 400 "$count is not currently supported."; ``?$count=true`` is silently
  ignored (``http.list_response``);
- ``$search`` is 400; ``endsWith``, ``ne`` and ``not`` in ``$filter`` are 400;
- ``$orderby`` sorts users by ``displayName`` and ``userPrincipalName`` and groups by ``displayName``
  only; ``createdDateTime``/``deletedDateTime`` (users) and ``deletedDateTime`` (groups) need an
  advanced query, as do ``$filter`` with ``$orderby`` together and any ``$orderby`` on a relationship.
A request with ``$expand`` is never advanced (``http.is_eventual``): Graph serves ``$expand`` only
outside advanced queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from ...errors import BadRequest
from ...http import is_eventual
from ...odata import UnsupportedQuery, compile_filter, parse_filter
from ...odata_orderby import SortKey, parse_orderby, sort_items
from ...odata_search import Predicate, parse_search
from ...schema import schema
from .render import Json, no_property

COUNT_UNSUPPORTED = "$count is not currently supported."
SEARCH_UNSUPPORTED = (
    "Request with $search query parameter only works through MSGraph with a special request "
    "header: 'ConsistencyLevel: eventual'"
)
ENDSWITH_UNSUPPORTED = (
    "Operator 'endsWith' is not supported because the required parameters might be missing. "
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)
# ``ne``'s message is what Graph answers callers; ``not`` has no published message, so the emulator
# names its operator the same way (docs/emulator.md, "Query options on directory collections").
OPERATOR_UNSUPPORTED = {
    "endswith": ENDSWITH_UNSUPPORTED,
    "ne": "Filter operator 'NotEqualsMatch' is not supported.",
    "not": "Filter operator 'Not' is not supported.",
}
SORTING_UNSUPPORTED = "Sorting not supported for current query."
SORT_PROPERTY_UNSUPPORTED = "An unsupported property was specified."
# directoryObject collections have no displayName to sort by: Graph's query parser refuses them.
OPEN_PROPERTY_SORT = (
    "Given expression for $orderby Microsoft.OData.UriParser.SingleValueOpenPropertyAccessNode "
    "is not supported"
)


@dataclass(frozen=True)
class Collection:
    """What a directory list holds: its OData type, and whether it is another object's relationship."""

    type_name: str  # user | group | directoryObject
    relationship: bool = False

    def has_property(self, name: str) -> bool:
        """A property (not a relationship) of Graph's v1.0 type; for ``directoryObject``, of a user or a
        group, the types such a collection holds (as its ``$select`` accepts)."""
        held = ("user", "group") if self.type_name == "directoryObject" else (self.type_name,)
        return any(schema(type_name).has_property(name) for type_name in held)


USERS = Collection("user")
GROUPS = Collection("group")
RELATED_USERS = Collection("user", relationship=True)  # e.g. /groups/{id}/members/microsoft.graph.user
RELATED_GROUPS = Collection("group", relationship=True)
RELATED_OBJECTS = Collection("directoryObject", relationship=True)  # users and groups together

# aad-advanced-queries, "Support for sorting by properties of Microsoft Entra ID (directory) objects".
_SORTABLE = {"user": {"displayName", "userPrincipalName"}, "group": {"displayName"}}
_SORTABLE_ADVANCED = {"user": {"createdDateTime", "deletedDateTime"}, "group": {"deletedDateTime"}}


def is_advanced(request: Request) -> bool:
    """``ConsistencyLevel: eventual`` together with ``$count=true``."""
    return is_eventual(request) and request.query_params.get("$count", "").lower() == "true"


def _known(names: Iterable[str], collection: Collection) -> None:
    for name in names:
        if not collection.has_property(name):
            raise BadRequest(no_property(name, collection.type_name))


def _search(request: Request, collection: Collection) -> Predicate | None:
    raw = request.query_params.get("$search")
    if raw is None:
        return None
    if not is_eventual(request):
        raise UnsupportedQuery(SEARCH_UNSUPPORTED)
    search = parse_search(raw)
    _known(search.properties, collection)
    return search.predicate


def _check_filter(request: Request, raw: str, needs_advanced: str | None) -> None:
    used = compile_filter(raw).advanced_operators
    if is_advanced(request):
        return
    for operator, message in OPERATOR_UNSUPPORTED.items():
        if operator in used:
            raise UnsupportedQuery(message)
    if needs_advanced:  # the docs require advanced queries there; the message is the emulator's
        raise UnsupportedQuery(
            f"$filter on {needs_advanced} is supported only as an advanced query: "
            "add $count=true and the ConsistencyLevel: eventual header."
        )


def _check_sortable(request: Request, name: str, collection: Collection) -> None:
    kind = collection.type_name
    by_default = set() if collection.relationship else _SORTABLE[kind]
    if name in by_default or (is_advanced(request) and name in _SORTABLE[kind] | _SORTABLE_ADVANCED[kind]):
        return
    if collection.relationship and name in _SORTABLE[kind]:
        raise UnsupportedQuery(SORTING_UNSUPPORTED)
    if is_eventual(request):
        raise UnsupportedQuery(SORT_PROPERTY_UNSUPPORTED)
    raise UnsupportedQuery(f"Unsupported sort property '{name}' for '{kind[0].upper()}{kind[1:]}'.")


def _order(request: Request, collection: Collection, *, filtered: bool) -> list[SortKey]:
    raw = request.query_params.get("$orderby")
    if raw is None:
        return []
    keys = parse_orderby(raw)
    if collection.type_name == "directoryObject":
        raise UnsupportedQuery(OPEN_PROPERTY_SORT)
    _known((key.property for key in keys), collection)
    for key in keys:
        _check_sortable(request, key.property, collection)
    if filtered and not is_advanced(request):
        raise UnsupportedQuery(SORTING_UNSUPPORTED)
    return keys


def directory_items(
    request: Request,
    items: Sequence[Json],
    collection: Collection,
    *,
    filter_needs_advanced: str | None = None,
) -> Sequence[Json]:
    """Refuse what Graph refuses, then the items ``$search`` keeps, in ``$orderby`` order.

    ``$filter``, ``$count`` and paging stay with ``http.list_response``. ``filter_needs_advanced``
    names a relationship (``memberOf``) whose ``$filter`` Graph serves only in advanced queries.
    """
    search = _search(request, collection)
    raw_filter = request.query_params.get("$filter")
    if raw_filter:
        _check_filter(request, raw_filter, filter_needs_advanced)
    keys = _order(request, collection, filtered=bool(raw_filter))
    kept = [item for item in items if search(item)] if search else items
    return sort_items(kept, keys) if keys else kept


def count_response(request: Request, items: Iterable[Json], collection: Collection) -> Response:
    """``GET …/$count``: a plain-text number, only with ``ConsistencyLevel: eventual``."""
    if not is_eventual(request):
        raise BadRequest(COUNT_UNSUPPORTED)
    search = _search(request, collection)
    raw_filter = request.query_params.get("$filter")
    predicate = parse_filter(raw_filter) if raw_filter else None
    kept = (i for i in items if (predicate is None or predicate(i)) and (search is None or search(i)))
    return Response(str(sum(1 for _ in kept)), media_type="text/plain")
