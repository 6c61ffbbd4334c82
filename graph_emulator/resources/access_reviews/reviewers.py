"""Who reviews an instance: its reviewer scopes resolved against the directory when it starts.

The scopes are those ``validation`` accepts (``./owners``, ``./manager``, ``/users/{id}``,
``/groups/{id}/members|transitiveMembers``). The rules, from the definition's property pages:
no reviewers at all makes a self-review (each principal reviews their own access); the fallback
reviewers are asked when the reviewers resolve to nobody (a group without owners). The emulator's
directory has no managers, so ``./manager`` always falls back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from graph_emulator.directory import Directory, Group, User

from .models import Json, Reviewer
from .scopes import parse_member_scope, principals

_USER = re.compile(r"^(?:/(?:v1\.0|beta))?/users/(?P<user>[^/?]+)$")


def _users_of(directory: Directory, query: str, group: Group) -> Iterable[User | None]:
    if query == "./owners":
        return [directory.user(owner) for owner in group.owners]
    if query == "./manager":
        return []
    if match := _USER.match(query):
        return [directory.user(match.group("user"))]
    members = parse_member_scope(query)  # /groups/{id}/members or transitiveMembers
    reviewing = directory.group(members.group_id or "")
    return [] if reviewing is None else principals(directory, reviewing, members)


def _resolve(directory: Directory, scopes: list[Json], group: Group) -> list[User]:
    found: dict[str, User] = {}
    for scope in scopes:
        for user in _users_of(directory, scope["query"], group):
            if user is not None:
                found.setdefault(user.id, user)
    return list(found.values())


def contacted_reviewers(
    directory: Directory,
    group: Group,
    reviewers: list[Json],
    fallback: list[Json],
    principals_in_review: list[User],
    at: datetime,
) -> list[Reviewer]:
    """The instance's reviewers as ``contactedReviewers`` lists them, contacted at ``at``."""
    if reviewers:
        users = _resolve(directory, reviewers, group) or _resolve(directory, fallback, group)
    else:
        users = principals_in_review
    return [Reviewer(u.id, u.display_name, u.user_principal_name, at) for u in users]
