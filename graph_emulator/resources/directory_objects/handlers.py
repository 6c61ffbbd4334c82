"""HTTP for ``/directory/deletedItems``: the cast lists, get by id, restore, permanent delete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from ...auth import require
from ...directory import Group, User
from ...errors import ResourceNotFound
from ...http import context, json_response, list_response, no_content, tenant
from . import permissions as perms
from .models import DeletedItemsBackend, Kind
from .queries import GROUPS, USERS, directory_items
from .render import (
    GROUP,
    USER,
    USER_DEFAULT,
    Json,
    collection_fragment,
    directory_object_selection,
    filled,
    selection,
    typed,
)

# The emulator's choice: deleted users add deletedDateTime to the default set, as that is what the
# recycle bin is read for.
DELETED_USER_DEFAULT = (*USER_DEFAULT, "deletedDateTime")


def _backend(request: Request) -> DeletedItemsBackend:
    return DeletedItemsBackend(tenant(request))


def _read_permissions(kind: Kind) -> tuple[str, ...]:
    return perms.DELETED_USERS_READ if kind == "user" else perms.DELETED_GROUPS_READ


def _write_permissions(kind: Kind) -> tuple[str, ...]:
    return perms.USER_DELETE_RESTORE if kind == "user" else perms.DELETED_GROUPS_WRITE


def _kind(obj: User | Group) -> Kind:
    return "user" if isinstance(obj, User) else "group"


def _entity(request: Request, body: Json) -> Response:
    return json_response({"@odata.context": context(request, "directoryObjects/$entity"), **body})


def _typed_body(request: Request, obj: User | Group) -> Json:
    fields = directory_object_selection(request.query_params.get("$select"))
    return typed(obj, fields, DELETED_USER_DEFAULT if isinstance(obj, User) else None)


def list_deleted(kind: Kind) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        """``GET /directory/deletedItems/microsoft.graph.{user|group}`` (the cast is required)."""
        require(request, *_read_permissions(kind))
        rendering, default, collection = (
            (USER, DELETED_USER_DEFAULT, USERS) if kind == "user" else (GROUP, GROUP.default, GROUPS)
        )
        fields = selection(request.query_params.get("$select"), rendering)
        filled_items = [filled(o, fields, default) for o in _backend(request).list_deleted_items(kind)]
        items = directory_items(request, filled_items, collection)
        fragment = collection_fragment(f"{kind}s", fields)
        return list_response(request, items, fragment, default_select=default, advanced_count=True)

    return handler


def _find(request: Request, *, write: bool) -> tuple[DeletedItemsBackend, User | Group]:
    """The deleted object and a permission check by its type (403 before 404, as Graph orders them)."""
    backend = _backend(request)
    try:
        obj = backend.get_deleted_item(request.path_params["object_id"])
    except ResourceNotFound:
        if write:
            require(request, *perms.USER_DELETE_RESTORE, *perms.DELETED_GROUPS_WRITE)
        else:
            require(request, *perms.DELETED_USERS_READ, *perms.DELETED_GROUPS_READ)
        raise
    require(request, *(_write_permissions(_kind(obj)) if write else _read_permissions(_kind(obj))))
    return backend, obj


async def get_deleted_item(request: Request) -> Response:
    """``GET /directory/deletedItems/{id}``: the object with its ``@odata.type``."""
    _, obj = _find(request, write=False)
    return _entity(request, _typed_body(request, obj))


async def restore_deleted_item(request: Request) -> Response:
    """``POST /directory/deletedItems/{id}/restore``: 200 with the restored object."""
    backend, obj = _find(request, write=True)
    return _entity(request, _typed_body(request, backend.restore_deleted_item(obj.id)))


async def delete_deleted_item(request: Request) -> Response:
    """``DELETE /directory/deletedItems/{id}``: permanent; the object can't be restored after."""
    backend, obj = _find(request, write=True)
    backend.delete_deleted_item(obj.id)
    return no_content()
