"""``$expand`` on users and groups, with Graph's limits for directory objects.

- Relationships: a user's ``memberOf`` and ``sponsors``; a group's ``members``, ``owners`` and
  ``memberOf`` (user and group resource pages: "Supports ``$expand``").
- At most 20 objects per expanded relationship, and no ``nextLink`` for the rest (query-parameters,
  "expand parameter").
- One relationship per request: more is Graph's ``400 BadRequest`` "The result of parsing $expand
  contained at least 2 items, but the maximum allowed is 1.".
- Nested ``$select`` only (group resource: members "Supports ``$expand`` including nested
  ``$select``"), checked as a ``directoryObject`` collection's ``$select``; a nested ``$expand`` (a
  second level) or any other nested option is refused with the emulator's message.
- Names are checked against Graph's v1.0 schema (``graph_emulator.schema``) by the same parser as
  ``$select``: an unknown name, or a property that is not a relationship, is that parser's refusal;
  a relationship of the schema the emulator doesn't expand (``manager``, ``transitiveMemberOf``…) is
  refused with the emulator's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from ...directory import Directory, Group, User
from ...errors import BadRequest
from ...odata import UnsupportedQuery
from ...odata_expand import ExpandItem, parse_expand
from ...schema import schema
from .queries import Collection
from .render import Json, directory_object_selection, select_expand_failed, typed, unknown_name

Related = Callable[[Directory, str], list[User | Group]]  # the related objects of one object id

MAX_EXPANDED = 20
TOO_MANY = "The result of parsing $expand contained at least 2 items, but the maximum allowed is 1."

_RELATIONS: dict[str, dict[str, Related]] = {
    "user": {
        "memberOf": lambda directory, oid: list(directory.groups_of(oid)),
        "sponsors": lambda directory, oid: directory.objects(directory.users[oid].sponsors),
    },
    "group": {
        "members": lambda directory, oid: directory.objects(directory.groups[oid].members),
        "owners": lambda directory, oid: directory.objects(directory.groups[oid].owners),
        "memberOf": lambda directory, oid: list(directory.groups_of(oid)),
    },
}


@dataclass(frozen=True)
class Expansion:
    """One relationship to expand, and the properties its objects carry (None: their defaults)."""

    name: str
    related: Related
    select: list[str] | None

    def render(self, directory: Directory, object_id: str) -> Json:
        """``{name: [up to 20 related objects]}``, each with its ``@odata.type``."""
        related = self.related(directory, object_id)[:MAX_EXPANDED]
        return {self.name: [typed(o, self.select) for o in related]}

    def for_items(self, directory: Directory) -> Callable[[Json], Json]:
        """The expansion of one listed object (its full JSON form, so ``id`` is always there)."""
        return lambda item: self.render(directory, item["id"])


def _select(item: ExpandItem) -> list[str] | None:
    for option in item.options:
        if option == "$expand":
            raise UnsupportedQuery("$expand on directory objects supports one level only.")
        if option != "$select":
            raise UnsupportedQuery(f"Only $select can be nested in $expand on directory objects: {option}.")
    return directory_object_selection(item.options.get("$select"))


def expansion(request: Request, collection: Collection) -> Expansion | None:
    """The request's ``$expand`` on users or groups, checked; None without one."""
    raw = request.query_params.get("$expand")
    if raw is None:
        return None
    items = parse_expand(raw)
    if len(items) > 1:
        raise BadRequest(TOO_MANY, code="BadRequest")
    [item] = items
    related = _RELATIONS[collection.type_name].get(item.name)
    if related is None:
        raise _not_expanded(item.name, collection.type_name)
    return Expansion(item.name, related, _select(item))


def _not_expanded(name: str, type_name: str) -> BadRequest:
    """Why ``name`` can't be expanded on ``type_name``: not in the schema, not a relationship, or a
    relationship the emulator doesn't serve."""
    known = schema(type_name)
    if known.has_property(name):
        return select_expand_failed(
            f"Property '{name}' on type 'microsoft.graph.{type_name}' is not a navigation property or "
            "complex property. Only navigation properties can be expanded."
        )
    if known.knows(name):
        return UnsupportedQuery(f"$expand of '{name}' on microsoft.graph.{type_name} is not supported.")
    return unknown_name(name, type_name)
