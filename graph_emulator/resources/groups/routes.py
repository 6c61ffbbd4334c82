"""Routes for ``/groups`` and a group's ``members`` and ``owners``.

Literal segments (``$count``, ``$ref``, casts) come before ``{id}`` patterns. Casts are served in
Graph's documented form (``microsoft.graph.user``) and the SDK's short form (``graph.user``).
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from . import handlers, members

_GROUP = "/groups/{group_id}"
_CASTS: tuple[tuple[members.Cast, tuple[str, ...]], ...] = (
    ("user", ("microsoft.graph.user", "graph.user")),
    ("group", ("microsoft.graph.group", "graph.group")),
)


def _relation_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    relations: tuple[members.Relation, ...] = ("members", "owners")
    for relation in relations:
        base = f"{_GROUP}/{relation}"
        routes.append(Route(base, members.list_relation(relation, None), methods=["GET"]))
        routes.append(Route(f"{base}/$count", members.count_relation(relation, None), methods=["GET"]))
        for cast, names in _CASTS:
            for name in names:
                routes.append(Route(f"{base}/{name}", members.list_relation(relation, cast), methods=["GET"]))
                routes.append(
                    Route(f"{base}/{name}/$count", members.count_relation(relation, cast), methods=["GET"])
                )
    return routes


GRAPH_ROUTES: list[BaseRoute] = [
    Route("/groups", handlers.list_groups, methods=["GET"]),
    Route("/groups", handlers.create_group, methods=["POST"]),
    Route("/groups/$count", handlers.count_groups, methods=["GET"]),
    *_relation_routes(),
    Route(f"{_GROUP}/members/$ref", members.add_member, methods=["POST"]),
    Route(f"{_GROUP}/members/$ref", members.remove_member, methods=["DELETE"]),
    Route(f"{_GROUP}/members/{{member_id}}/$ref", members.remove_member, methods=["DELETE"]),
    Route(f"{_GROUP}/owners/$ref", members.add_owner, methods=["POST"]),
    Route(f"{_GROUP}/owners/{{owner_id}}/$ref", members.remove_owner, methods=["DELETE"]),
    Route(_GROUP, handlers.get_group, methods=["GET"]),
    Route(_GROUP, handlers.update_group, methods=["PATCH"]),
    Route(_GROUP, handlers.delete_group, methods=["DELETE"]),
]
