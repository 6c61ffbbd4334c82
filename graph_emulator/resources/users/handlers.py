"""HTTP for ``/users``: list (with ``$count``), get by id or UPN, update, soft delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ...auth import require
from ...http import context, json_response, list_response, no_content, read_json, tenant
from ..directory_objects import permissions as perms
from ..directory_objects.expand import expansion
from ..directory_objects.queries import USERS, count_response, directory_items
from ..directory_objects.render import (
    USER,
    collection_fragment,
    entity_fragment,
    entity_json,
    filled,
    selection,
    user_json,
)
from .models import UsersBackend


def backend(request: Request) -> UsersBackend:
    return UsersBackend(tenant(request))


def selected(request: Request) -> list[str] | None:
    return selection(request.query_params.get("$select"), USER)


async def list_users(request: Request) -> Response:
    """``GET /users``: default page 100, at most 999, no ``$skip``; advanced queries (``$count``,
    ``$search``, ``ne``…) need eventual; ``$orderby`` and ``$expand`` by Graph's rules."""
    require(request, *perms.USER_READ)
    fields = selected(request)
    expand = expansion(request, USERS)
    items = directory_items(request, [filled(u, fields) for u in backend(request).list_users()], USERS)
    return list_response(
        request,
        items,
        collection_fragment("users", fields),
        default_select=USER.default,
        advanced_count=True,
        expand=expand.for_items(tenant(request).directory) if expand else None,
    )


async def count_users(request: Request) -> Response:
    """``GET /users/$count``: refused without ``ConsistencyLevel: eventual`` (documented error)."""
    require(request, *perms.USER_READ)
    return count_response(request, [user_json(u) for u in backend(request).list_users()], USERS)


async def get_user(request: Request) -> Response:
    """``GET /users/{id | userPrincipalName}``; ``externalUserState`` only on ``$select``; ``$expand``
    of ``memberOf`` or ``sponsors``."""
    require(request, *perms.USER_READ)
    fields = selected(request)
    expand = expansion(request, USERS)
    user = backend(request).get_user(request.path_params["user_id"])
    body = entity_json(user, fields)
    if expand:
        body.update(expand.render(tenant(request).directory, user.id))
    return json_response({"@odata.context": context(request, entity_fragment("users", fields)), **body})


async def update_user(request: Request) -> Response:
    """``PATCH /users/{id}``: 204. ``accountEnabled`` alone is allowed with the narrow pair
    User.EnableDisableAccount.All + User.Read.All (user-update, permissions per property)."""
    body = await read_json(request)
    if set(body) - {"@odata.type"} == {"accountEnabled"}:  # the SDK adds @odata.type
        perms.require_account_update(request)
    else:
        require(request, *perms.USER_UPDATE)
    backend(request).update_user(request.path_params["user_id"], body)
    return no_content()


async def delete_user(request: Request) -> Response:
    """``DELETE /users/{id}``: 204; the user moves to deleted items for 30 days."""
    require(request, *perms.USER_DELETE_RESTORE)
    backend(request).delete_user(request.path_params["user_id"])
    return no_content()
