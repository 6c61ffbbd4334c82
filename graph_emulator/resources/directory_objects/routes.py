"""Routes for ``/directory/deletedItems`` (both spellings Graph's docs use, both cast forms)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from . import handlers

_ROOTS = ("/directory/deletedItems", "/directory/deleteditems")
_CASTS = {"user": ("microsoft.graph.user", "graph.user"), "group": ("microsoft.graph.group", "graph.group")}


def _routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for root in _ROOTS:
        for kind, casts in _CASTS.items():
            handler = handlers.list_deleted("user" if kind == "user" else "group")
            routes.extend(Route(f"{root}/{cast}", handler, methods=["GET"]) for cast in casts)
        routes.append(Route(f"{root}/{{object_id}}/restore", handlers.restore_deleted_item, methods=["POST"]))
        routes.append(Route(f"{root}/{{object_id}}", handlers.get_deleted_item, methods=["GET"]))
        routes.append(Route(f"{root}/{{object_id}}", handlers.delete_deleted_item, methods=["DELETE"]))
    return routes


GRAPH_ROUTES: list[BaseRoute] = _routes()
