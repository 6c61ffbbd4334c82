"""Checks of single fields shared by a definition's validation and its stage settings: objects,
query types, ISO 8601 durations and reviewer scopes (each answered as 400 ``BadRequest``)."""

from __future__ import annotations

from typing import Any

from graph_emulator.clock import parse_duration

from .models import Json
from .scopes import PER_PRINCIPAL_REVIEWERS, check_reviewer_query, invalid

# accessReviewReviewerScope's scopeType values (v1.0 resource page), echoed as sent; the query decides.
_SCOPE_TYPES = ("user", "group", "self", "manager", "sponsor", "resourceOwner", "managerOrSponsor")


def obj(value: Any, what: str) -> Json:
    if not isinstance(value, dict):
        raise invalid(f"The {what} property is required and must be an object.")
    return value


def query_type(raw: Json, what: str) -> str:
    kind = raw.get("queryType") or "MicrosoftGraph"
    if kind != "MicrosoftGraph":
        raise invalid(f"Invalid {what} queryType '{kind}': only 'MicrosoftGraph' is supported.")
    return str(kind)


def duration(value: Any, what: str) -> None:
    try:
        parse_duration(str(value))
    except ValueError as exc:
        raise invalid(f"Invalid {what} '{value}': expected an ISO 8601 duration such as 'P30D'.") from exc


def reviewers(value: Any, what: str) -> list[Json]:
    """Reviewer scopes as Graph echoes them: relative queries get ``queryRoot: decisions`` unless
    sent; ``scopeType`` and ``reviewerId`` (v1.0 documents both) only when sent."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(f"The {what} property must be a collection.")
    out: list[Json] = []
    for raw in value:
        item = obj(raw, what)
        query = item.get("query")
        if not isinstance(query, str):
            raise invalid(f"Each of {what} needs a query.")
        check_reviewer_query(query, what)
        root = item.get("queryRoot", "decisions" if query in PER_PRINCIPAL_REVIEWERS else None)
        scope: Json = {"query": query, "queryType": query_type(item, what), "queryRoot": root}
        if (kind := item.get("scopeType")) is not None:
            if kind not in _SCOPE_TYPES:
                allowed = ", ".join(_SCOPE_TYPES)
                raise invalid(f"Invalid {what} scopeType '{kind}': expected one of {allowed}.")
            scope["scopeType"] = kind
        if (reviewer := item.get("reviewerId")) is not None:
            scope["reviewerId"] = str(reviewer)
        out.append(scope)
    return out
