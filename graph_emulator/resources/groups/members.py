"""HTTP for a group's ``members`` and ``owners``: lists (and casts), ``$count``, ``$ref`` add/remove."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from ...auth import require
from ...directory import Group, User
from ...errors import BadRequest
from ...http import list_response, no_content, read_json, reference_id
from ..directory_objects import permissions as perms
from ..directory_objects.lookup import reference_body
from ..directory_objects.queries import (
    RELATED_GROUPS,
    RELATED_OBJECTS,
    RELATED_USERS,
    Collection,
    count_response,
    directory_items,
)
from ..directory_objects.render import (
    GROUP,
    USER,
    DirectoryType,
    collection_fragment,
    directory_object_selection,
    filled,
    item_default,
    selection,
    typed_item,
)
from .handlers import backend, require_role_management_for

Relation = Literal["members", "owners"]
Cast = Literal["user", "group"] | None
Handler = Callable[[Request], Awaitable[Response]]


def _objects(request: Request, relation: Relation) -> list[User | Group]:
    membership = backend(request).membership
    group_id = request.path_params["group_id"]
    return membership.list_members(group_id) if relation == "members" else membership.list_owners(group_id)


# Per cast: how its objects render, their class, and the query rules of the collection.
_CASTS: dict[str, tuple[DirectoryType, type[User | Group], Collection]] = {
    "user": (USER, User, RELATED_USERS),
    "group": (GROUP, Group, RELATED_GROUPS),
}


def list_relation(relation: Relation, cast: Cast) -> Handler:
    """``GET /groups/{id}/members`` and the ``microsoft.graph.user`` / ``.group`` casts (paged)."""

    async def handler(request: Request) -> Response:
        require(request, *perms.MEMBERS_READ)
        raw_select = request.query_params.get("$select")
        objects = _objects(request, relation)
        if cast is not None:
            kind, kind_class, collection = _CASTS[cast]
            fields = selection(raw_select, kind)
            items = [filled(o, fields) for o in objects if isinstance(o, kind_class)]
            kept = directory_items(request, items, collection)
            fragment = collection_fragment(f"{cast}s", fields)
            return list_response(request, kept, fragment, default_select=kind.default, advanced_count=True)
        fields = directory_object_selection(raw_select)
        kept = directory_items(request, [typed_item(o, fields) for o in objects], RELATED_OBJECTS)
        return list_response(
            request, kept, "directoryObjects", default_select=item_default, advanced_count=True
        )

    return handler


def count_relation(relation: Relation, cast: Cast) -> Handler:
    """``GET /groups/{id}/members/$count`` (and per cast): needs ``ConsistencyLevel: eventual``."""

    async def handler(request: Request) -> Response:
        require(request, *perms.MEMBERS_READ)
        objects = _objects(request, relation)
        if cast is None:
            return count_response(request, [typed_item(o) for o in objects], RELATED_OBJECTS)
        kind, kind_class, collection = _CASTS[cast]
        stored = [kind.stored(o) for o in objects if isinstance(o, kind_class)]
        return count_response(request, stored, collection)

    return handler


async def add_member(request: Request) -> Response:
    """``POST /groups/{id}/members/$ref``: 204; 400 if already a member, 404 if unknown."""
    require(request, *perms.MEMBERS_WRITE)
    group_id = request.path_params["group_id"]
    require_role_management_for(request, group_id)
    member_id = reference_body(await read_json(request))
    backend(request).membership.add_member(group_id, member_id)
    return no_content()


async def remove_member(request: Request) -> Response:
    """``DELETE /groups/{id}/members/{memberId}/$ref`` (or ``…/members/$ref?$id=<url>``): 204."""
    require(request, *perms.MEMBERS_WRITE)
    group_id = request.path_params["group_id"]
    require_role_management_for(request, group_id)
    member_id = request.path_params.get("member_id") or _ref_query(request)
    backend(request).membership.remove_member(group_id, member_id)
    return no_content()


async def add_owner(request: Request) -> Response:
    """``POST /groups/{id}/owners/$ref``: 204; 400 (naming 'owners') if already an owner."""
    require(request, *perms.OWNERS_WRITE)
    owner_id = reference_body(await read_json(request))
    backend(request).membership.add_owner(request.path_params["group_id"], owner_id)
    return no_content()


async def remove_owner(request: Request) -> Response:
    require(request, *perms.OWNERS_WRITE)
    owner_id = request.path_params["owner_id"]
    backend(request).membership.remove_owner(request.path_params["group_id"], owner_id)
    return no_content()


def _ref_query(request: Request) -> str:
    value = request.query_params.get("$id") or request.query_params.get("@id")
    if not value:
        raise BadRequest("The $id query parameter is required to remove a reference.")
    return reference_id(value)
