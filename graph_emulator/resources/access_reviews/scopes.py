"""The query forms of access-review scopes, parsed once, and what they select in the directory.

Three kinds of query appear in a definition (Graph's "configure the scope" concept page):
- ``scope``: whose access is reviewed: ``./members...`` relative to each enumerated group (all
  Microsoft 365 groups with guests) or ``/groups/{id}/members|transitiveMembers...`` (one group);
  an optional ``$filter`` such as ``(userType eq 'Guest')`` narrows the principals.
- ``instanceEnumerationScope``: which groups get an instance: ``/groups?$filter=...`` or ``/groups/{id}``.
- reviewer scopes: ``./owners``, ``./manager``, ``./sponsors``, ``/users/{id}``,
  ``/groups/{id}/(transitive)members``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from graph_emulator.directory import Directory, Group, User
from graph_emulator.errors import BadRequest
from graph_emulator.odata import Predicate, parse_filter

_VERSION = r"(?:/(?:v1\.0|beta))?"
# Reviewer queries relative to each principal under review (queryRoot "decisions"): its manager, as
# the reviewers concept page shows, or its sponsors (the reviewer scope's documented scopeType
# "sponsor"; Graph documents no query for it, so the emulator takes the same relative form).
PER_PRINCIPAL_REVIEWERS = ("./manager", "./sponsors")
_MEMBERS = r"(?P<rel>members|transitiveMembers)(?P<cast>/microsoft\.graph\.user)?/?(?P<query>\?.*)?"
_RELATIVE = re.compile(rf"^\./{_MEMBERS}$")
_ABSOLUTE = re.compile(rf"^{_VERSION}/groups/(?P<group>[^/?]+)/{_MEMBERS}$")
_ENUMERATION = re.compile(rf"^{_VERSION}/groups(?:/(?P<group>[^/?]+))?/?(?P<query>\?.*)?$")
_REVIEWER = re.compile(
    rf"^(?:\./owners|\./manager|\./sponsors|{_VERSION}/users/[^/?]+"
    rf"|{_VERSION}/groups/[^/?]+/(?:transitiveMembers|members))$"
)


def invalid(message: str) -> BadRequest:
    return BadRequest(message, code="BadRequest")


def _filter_of(query: str | None, what: str) -> Predicate | None:
    if not query:
        return None
    params = parse_qs(urlsplit(query).query, keep_blank_values=True)  # '+' means a space here
    text = (params.get("$filter") or [""])[0].strip()
    if not text:
        return None
    try:
        return parse_filter(text)
    except BadRequest as exc:
        raise invalid(f"Invalid {what} query: {exc.message}") from exc


@dataclass(frozen=True)
class MemberScope:
    """Whose access is reviewed: members of one group, or of each enumerated group (``group_id`` None)."""

    group_id: str | None
    transitive: bool
    predicate: Predicate | None
    suffix: str  # the query after the group, e.g. "/members/microsoft.graph.user/?$count=true&..."


def parse_member_scope(query: str) -> MemberScope:
    match = _RELATIVE.match(query) or _ABSOLUTE.match(query)
    if match is None:
        raise invalid(
            f"Invalid scope query '{query}': expected './members...' or '/groups/{{id}}/members...' "
            "(or transitiveMembers)."
        )
    suffix = query[match.start("rel") - 1 :]
    group = match.groupdict().get("group")
    return MemberScope(
        group, match.group("rel") == "transitiveMembers", _filter_of(match.group("query"), "scope"), suffix
    )


@dataclass(frozen=True)
class Enumeration:
    """Which groups an all-groups review covers."""

    group_id: str | None
    predicate: Predicate | None


def parse_enumeration(query: str) -> Enumeration:
    match = _ENUMERATION.match(query)
    if match is None:
        raise invalid(
            f"Invalid instanceEnumerationScope query '{query}': "
            "expected '/groups?$filter=...' or '/groups/{id}'."
        )
    return Enumeration(match.group("group"), _filter_of(match.group("query"), "instanceEnumerationScope"))


def strip_version(query: str) -> str:
    """Graph echoes ``/v1.0/groups?...`` as ``/groups?...`` (v1.0 tutorial, create response)."""
    return re.sub(r"^/(?:v1\.0|beta)(?=/)", "", query)


def check_reviewer_query(query: str, what: str) -> None:
    if not _REVIEWER.match(query):
        raise invalid(
            f"Invalid {what} query '{query}': expected './owners', './manager', './sponsors', "
            "'/users/{id}' or '/groups/{id}/transitiveMembers'."
        )


# ---------------------------------------------------------------- evaluation against the directory


def user_json(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
        "mail": user.mail,
        "userType": user.user_type,
        "accountEnabled": user.account_enabled,
        "creationType": user.creation_type,
        "externalUserState": user.external_user_state,
    }


def group_json(group: Group) -> dict[str, object]:
    return {
        "id": group.id,
        "displayName": group.display_name,
        "mailNickname": group.mail_nickname,
        "groupTypes": list(group.group_types),
        "mailEnabled": group.mail_enabled,
        "securityEnabled": group.security_enabled,
        "isAssignableToRole": group.is_assignable_to_role,
        "visibility": group.visibility,
        "resourceProvisioningOptions": list(group.resource_provisioning_options),
    }


def enumerate_groups(directory: Directory, enumeration: Enumeration) -> list[Group]:
    """The Unified, non-role-assignable groups the enumeration selects (M365 groups only)."""
    if enumeration.group_id is not None:
        candidates = [g for g in [directory.group(enumeration.group_id)] if g is not None]
    else:
        candidates = directory.live_groups()
    return [
        g
        for g in candidates
        if g.is_unified
        and not g.is_assignable_to_role
        and (enumeration.predicate is None or enumeration.predicate(group_json(g)))
    ]


def principals(
    directory: Directory,
    group: Group,
    scope: MemberScope,
    *,
    inactive_for: timedelta | None = None,
    at: datetime | None = None,
) -> list[User]:
    """The users in scope for ``group``: (transitive) members passing the scope's filter, in member order."""
    found: dict[str, User] = {}
    seen_groups = {group.id}
    queue = [group]
    while queue:
        current = queue.pop(0)
        for member_id in current.members:
            user = directory.user(member_id)
            if user is not None:
                if scope.predicate is None or scope.predicate(user_json(user)):
                    found.setdefault(user.id, user)
                continue
            nested = directory.group(member_id)
            if scope.transitive and nested is not None and nested.id not in seen_groups:
                seen_groups.add(nested.id)
                queue.append(nested)
    users = list(found.values())
    if inactive_for is not None and at is not None:
        cutoff = at - inactive_for
        users = [u for u in users if u.last_sign_in is None or u.last_sign_in < cutoff]
    return users
