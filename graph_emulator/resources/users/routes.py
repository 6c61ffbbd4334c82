"""Routes for ``/users``, a user's ``memberOf`` and ``sponsors`` relationships and the
``getMemberGroups`` action (also on ``/directoryObjects/{id}``: one backend serves both).

Literal segments (``$count``, casts, ``$ref``) come before the ``{id}`` patterns that would
otherwise swallow them. The SDK writes casts in the short form (``graph.group``); Graph's docs
use ``microsoft.graph.group``; both are served. The action is served bare (as the SDK and the
docs write it) and namespace-qualified (``microsoft.graph.getMemberGroups``).
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from . import handlers, relations

_USER = "/users/{user_id}"
_OBJECT = "/directoryObjects/{object_id}"
_MEMBER_GROUPS = ("getMemberGroups", "microsoft.graph.getMemberGroups")

GRAPH_ROUTES: list[BaseRoute] = [
    Route("/users", handlers.list_users, methods=["GET"]),
    Route("/users/$count", handlers.count_users, methods=["GET"]),
    Route(f"{_USER}/memberOf", relations.list_member_of, methods=["GET"]),
    Route(f"{_USER}/memberOf/$count", relations.count_member_of, methods=["GET"]),
    *(
        Route(f"{_USER}/memberOf/{cast}", relations.list_member_of_groups, methods=["GET"])
        for cast in ("microsoft.graph.group", "graph.group")
    ),
    *(Route(f"{_USER}/{action}", relations.get_member_groups, methods=["POST"]) for action in _MEMBER_GROUPS),
    *(
        Route(f"{_OBJECT}/{action}", relations.object_member_groups, methods=["POST"])
        for action in _MEMBER_GROUPS
    ),
    Route(f"{_USER}/sponsors", relations.list_sponsors, methods=["GET"]),
    Route(f"{_USER}/sponsors/$ref", relations.add_sponsor, methods=["POST"]),
    Route(f"{_USER}/sponsors/{{sponsor_id}}/$ref", relations.remove_sponsor, methods=["DELETE"]),
    Route(_USER, handlers.get_user, methods=["GET"]),
    Route(_USER, handlers.update_user, methods=["PATCH"]),
    Route(_USER, handlers.delete_user, methods=["DELETE"]),
]
