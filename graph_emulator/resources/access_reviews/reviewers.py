"""Who reviews what: reviewer scopes resolved against the directory when an instance (or stage) starts.

The scopes are those ``validation`` accepts. The rules, from the definition's property pages and
the reviewers concept page:
- no reviewers at all makes a self-review: each principal reviews their own access;
- ``./owners``, ``/users/{id}`` and ``/groups/{id}/members|transitiveMembers`` name the same
  reviewers for every principal; ``./manager`` and ``./sponsors`` are relative to each principal
  (``queryRoot: decisions``): its manager, or its sponsors (users, and the members of sponsoring
  groups); the emulator's directory has no managers, so ``./manager`` always falls back;
- the fallback reviewers review a principal whose reviewers resolve to nobody (a group without
  owners, a guest without a sponsor).
Each decision item keeps the ids of its reviewers; the reviewers contacted are all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from graph_emulator.directory import Directory, Group, User

from .models import Decision, Json, Reviewer
from .scopes import parse_member_scope, principals

_USER = re.compile(r"^(?:/(?:v1\.0|beta))?/users/(?P<user>[^/?]+)$")


def _sponsors(directory: Directory, principal: User | None) -> Iterable[User | None]:
    for sponsor_id in principal.sponsors if principal is not None else []:
        user = directory.user(sponsor_id)
        group = None if user is not None else directory.group(sponsor_id)
        yield from [user] if group is None else [directory.user(m) for m in group.members]


def _users_of(
    directory: Directory, query: str, group: Group | None, principal: User | None
) -> Iterable[User | None]:
    if query == "./owners":
        return [] if group is None else [directory.user(owner) for owner in group.owners]
    if query == "./manager":
        return []
    if query == "./sponsors":
        return _sponsors(directory, principal)
    if match := _USER.match(query):
        return [directory.user(match.group("user"))]
    members = parse_member_scope(query)  # /groups/{id}/members or transitiveMembers
    reviewing = directory.group(members.group_id or "")
    return [] if reviewing is None else principals(directory, reviewing, members)


def _resolve(
    directory: Directory, scopes: list[Json], group: Group | None, principal: User | None
) -> list[User]:
    found: dict[str, User] = {}
    for scope in scopes:
        for user in _users_of(directory, scope["query"], group, principal):
            if user is not None:
                found.setdefault(user.id, user)
    return list(found.values())


def assign(
    directory: Directory,
    group: Group | None,
    reviewers: list[Json],
    fallback: list[Json],
    items: Iterable[Decision],
    at: datetime,
) -> list[Reviewer]:
    """Give each item its reviewers (``reviewer_ids``); the reviewers contacted at ``at``, in order.

    With no item to review (a one-group review of an empty group) the reviewers that do not depend
    on a principal are still contacted.
    """
    contacted: dict[str, User] = {}
    items = list(items)
    for item in items:
        principal = directory.users.get(item.principal_id)  # a guest deleted since keeps its item
        if not reviewers:
            users = [principal] if principal is not None else []
        else:
            users = _resolve(directory, reviewers, group, principal) or _resolve(
                directory, fallback, group, principal
            )
        item.reviewer_ids = [u.id for u in users]
        for user in users:
            contacted.setdefault(user.id, user)
    if not items and reviewers:
        found = _resolve(directory, reviewers, group, None) or _resolve(directory, fallback, group, None)
        contacted.update((u.id, u) for u in found)
    return [Reviewer(u.id, u.display_name, u.user_principal_name, at) for u in contacted.values()]
