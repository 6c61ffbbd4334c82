"""HTTP for ``/groups``: create, list (no ``$skip``), get, update, delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ...auth import require
from ...http import context, json_response, list_response, no_content, read_json, tenant
from ..directory_objects import permissions as perms
from ..directory_objects.expand import expansion
from ..directory_objects.queries import GROUPS, count_response, directory_items
from ..directory_objects.render import (
    GROUP,
    collection_fragment,
    entity_fragment,
    entity_json,
    filled,
    group_json,
    selection,
)
from .models import BINDS, GroupsBackend


def backend(request: Request) -> GroupsBackend:
    return GroupsBackend(tenant(request))


def require_role_management_for(request: Request, group_id: str) -> None:
    """Membership changes of a role-assignable group also need RoleManagement.ReadWrite.Directory."""
    group = tenant(request).directory.group(group_id)
    if group is not None and group.is_assignable_to_role:
        require(request, perms.ROLE_MANAGEMENT)


def selected(request: Request) -> list[str] | None:
    return selection(request.query_params.get("$select"), GROUP)


async def create_group(request: Request) -> Response:
    """``POST /groups``: 201 with the group. Setting ``isAssignableToRole`` needs
    RoleManagement.ReadWrite.Directory in addition (group-post-groups, example 3)."""
    require(request, *perms.GROUP_CREATE)
    body = await read_json(request)
    if body.get("isAssignableToRole") is True:
        require(request, perms.ROLE_MANAGEMENT)
    group = backend(request).create_group(body)
    payload = {"@odata.context": context(request, "groups/$entity"), **entity_json(group, None)}
    return json_response(payload, status=201)


async def list_groups(request: Request) -> Response:
    """``GET /groups``: e.g. ``$filter=groupTypes/any(c:c eq 'Unified')``; ``$skip`` is refused;
    advanced queries, ``$orderby`` and ``$expand`` by Graph's rules."""
    require(request, *perms.GROUP_READ)
    fields = selected(request)
    expand = expansion(request, GROUPS)
    items = directory_items(request, [filled(g, fields) for g in backend(request).list_groups()], GROUPS)
    return list_response(
        request,
        items,
        collection_fragment("groups", fields),
        default_select=GROUP.default,
        advanced_count=True,
        expand=expand.for_items(tenant(request).directory) if expand else None,
    )


async def count_groups(request: Request) -> Response:
    require(request, *perms.GROUP_READ)
    return count_response(request, [group_json(g) for g in backend(request).list_groups()], GROUPS)


async def get_group(request: Request) -> Response:
    """``GET /groups/{id}``; ``$expand`` of ``members``, ``owners`` or ``memberOf``."""
    require(request, *perms.GROUP_READ)
    fields = selected(request)
    expand = expansion(request, GROUPS)
    group = backend(request).get_group(request.path_params["group_id"])
    body = entity_json(group, fields)
    if expand:
        body.update(expand.render(tenant(request).directory, group.id))
    return json_response({"@odata.context": context(request, entity_fragment("groups", fields)), **body})


async def update_group(request: Request) -> Response:
    """``PATCH /groups/{id}``: 204. A body of only ``members@odata.bind`` is the documented bulk
    add (group-post-members, example 2) and is allowed with GroupMember.ReadWrite.All."""
    body = await read_json(request)
    members_only = set(body) - {"@odata.type"} == {BINDS[0]}  # the SDK adds @odata.type
    require(request, *(perms.MEMBERS_WRITE if members_only else perms.GROUP_UPDATE))
    group_id = request.path_params["group_id"]
    if any(b in body for b in BINDS):
        require_role_management_for(request, group_id)
    backend(request).update_group(group_id, body)
    return no_content()


async def delete_group(request: Request) -> Response:
    """``DELETE /groups/{id}``: 204; Microsoft 365 groups go to deleted items."""
    require(request, *perms.GROUP_DELETE)
    backend(request).delete_group(request.path_params["group_id"])
    return no_content()
