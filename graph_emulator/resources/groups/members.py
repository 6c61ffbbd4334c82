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
from ..directory_objects.queries import check_directory_query, count_response
from ..directory_objects.render import (
    GROUP,
    USER,
    collection_fragment,
    directory_object_selection,
    filled,
    group_json,
    selection,
    typed,
    user_json,
)
from .handlers import backend, require_role_management_for

Relation = Literal["members", "owners"]
Cast = Literal["user", "group"] | None
Handler = Callable[[Request], Awaitable[Response]]


def _objects(request: Request, relation: Relation) -> list[User | Group]:
    membership = backend(request).membership
    group_id = request.path_params["group_id"]
    return membership.list_members(group_id) if relation == "members" else membership.list_owners(group_id)


def list_relation(relation: Relation, cast: Cast) -> Handler:
    """``GET /groups/{id}/members`` and the ``microsoft.graph.user`` / ``.group`` casts (paged)."""

    async def handler(request: Request) -> Response:
        require(request, *perms.MEMBERS_READ)
        check_directory_query(request)
        raw_select = request.query_params.get("$select")
        objects = _objects(request, relation)
        if cast is not None:
            kind, kind_class = (USER, User) if cast == "user" else (GROUP, Group)
            fields = selection(raw_select, kind)
            items = [filled(o, fields) for o in objects if isinstance(o, kind_class)]
            fragment = collection_fragment(f"{cast}s", fields)
            return list_response(request, items, fragment, default_select=kind.default, advanced_count=True)
        fields = directory_object_selection(raw_select)
        items = [typed(o, fields) for o in objects]
        return list_response(request, items, "directoryObjects", advanced_count=True)

    return handler


def count_relation(relation: Relation, cast: Cast) -> Handler:
    """``GET /groups/{id}/members/$count`` (and per cast): needs ``ConsistencyLevel: eventual``."""

    async def handler(request: Request) -> Response:
        require(request, *perms.MEMBERS_READ)
        objects = _objects(request, relation)
        if cast == "user":
            return count_response(request, [user_json(o) for o in objects if isinstance(o, User)])
        if cast == "group":
            return count_response(request, [group_json(o) for o in objects if isinstance(o, Group)])
        return count_response(request, [typed(o) for o in objects])

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
