"""HTTP for a user's relationships: ``memberOf`` (and its group cast), ``getMemberGroups`` and
``sponsors``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ...auth import require
from ...http import context, json_response, list_response, no_content, read_json
from ..directory_objects import permissions as perms
from ..directory_objects.lookup import reference_body
from ..directory_objects.queries import RELATED_GROUPS, RELATED_OBJECTS, count_response, directory_items
from ..directory_objects.render import (
    GROUP,
    collection_fragment,
    directory_object_selection,
    filled,
    group_json,
    item_default,
    selection,
    typed_item,
)
from .handlers import backend
from .models import security_enabled_only

# getMemberGroups answers a collection of strings (directoryobject-getmembergroups, response example).
_MEMBER_GROUPS_CONTEXT = "Collection(Edm.String)"


async def list_member_of(request: Request) -> Response:
    """``GET /users/{id}/memberOf``: the groups the user is a direct member of, as directoryObjects."""
    require(request, *perms.USER_MEMBER_OF)
    fields = directory_object_selection(request.query_params.get("$select"))
    groups = backend(request).list_member_of(request.path_params["user_id"])
    items = directory_items(
        request, [typed_item(g, fields) for g in groups], RELATED_OBJECTS, filter_needs_advanced="memberOf"
    )
    return list_response(request, items, "directoryObjects", default_select=item_default, advanced_count=True)


async def list_member_of_groups(request: Request) -> Response:
    """``GET /users/{id}/memberOf/microsoft.graph.group`` (the SDK sends ``graph.group``)."""
    require(request, *perms.USER_MEMBER_OF)
    fields = selection(request.query_params.get("$select"), GROUP)
    groups = backend(request).list_member_of(request.path_params["user_id"])
    items = directory_items(
        request, [filled(g, fields) for g in groups], RELATED_GROUPS, filter_needs_advanced="memberOf"
    )
    fragment = collection_fragment("groups", fields)
    return list_response(request, items, fragment, default_select=GROUP.default, advanced_count=True)


async def count_member_of(request: Request) -> Response:
    require(request, *perms.USER_MEMBER_OF)
    groups = backend(request).list_member_of(request.path_params["user_id"])
    return count_response(request, [group_json(g) for g in groups], RELATED_OBJECTS)


async def get_member_groups(request: Request) -> Response:
    """``POST /users/{id}/getMemberGroups`` ``{"securityEnabledOnly": bool}``: 200 with every group
    id the user is in, transitively (not paged; at most 11,000)."""
    perms.require_member_groups(request)
    security_only = security_enabled_only(await read_json(request))
    ids = backend(request).member_groups(request.path_params["user_id"], security_only=security_only)
    return json_response({"@odata.context": context(request, _MEMBER_GROUPS_CONTEXT), "value": ids})


async def object_member_groups(request: Request) -> Response:
    """``POST /directoryObjects/{id}/getMemberGroups``: the same for any object (Directory.Read.All)."""
    require(request, *perms.OBJECT_MEMBER_GROUPS)
    security_only = security_enabled_only(await read_json(request))
    ids = backend(request).object_member_groups(request.path_params["object_id"], security_only=security_only)
    return json_response({"@odata.context": context(request, _MEMBER_GROUPS_CONTEXT), "value": ids})


async def list_sponsors(request: Request) -> Response:
    """``GET /users/{id}/sponsors``: users and groups, each with its ``@odata.type``."""
    require(request, *perms.SPONSORS_READ)
    fields = directory_object_selection(request.query_params.get("$select"))
    sponsors = backend(request).list_sponsors(request.path_params["user_id"])
    items = [typed_item(s, fields) for s in sponsors]
    return list_response(request, items, "directoryObjects", default_select=item_default)


async def add_sponsor(request: Request) -> Response:
    """``POST /users/{id}/sponsors/$ref`` with ``{"@odata.id": ".../users/{id}"}``: 204."""
    require(request, *perms.SPONSORS_WRITE)
    sponsor_id = reference_body(await read_json(request))
    backend(request).add_sponsor(request.path_params["user_id"], sponsor_id)
    return no_content()


async def remove_sponsor(request: Request) -> Response:
    """``DELETE /users/{id}/sponsors/{sponsorId}/$ref``: 204."""
    require(request, *perms.SPONSORS_WRITE)
    backend(request).remove_sponsor(request.path_params["user_id"], request.path_params["sponsor_id"])
    return no_content()
