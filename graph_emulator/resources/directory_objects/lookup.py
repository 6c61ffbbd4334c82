"""Finding live directory objects the way Graph does, including during replication delay.

An object created moments ago may not have replicated yet: reads by id and reference lookups
then answer 404 ``Request_ResourceNotFound`` (Graph's documented eventual consistency), so client retry
logic is exercised against the same error a real tenant returns.
"""

from __future__ import annotations

from typing import Any

from ...directory import Group, User
from ...errors import ResourceNotFound
from ...http import reference_id
from ...state import TenantState


def _visible(state: TenantState, obj: User | Group | None, key: str) -> User | Group:
    if obj is None or not state.faults.replicated(obj.id):
        raise ResourceNotFound(key)
    return obj


def find_user(state: TenantState, key: str) -> User:
    """A live user by object id or user principal name, or 404."""
    found = _visible(state, state.directory.user(key), key)
    assert isinstance(found, User)
    return found


def find_group(state: TenantState, key: str) -> Group:
    found = _visible(state, state.directory.group(key), key)
    assert isinstance(found, Group)
    return found


def find_object(state: TenantState, key: str) -> User | Group:
    return _visible(state, state.directory.object(key), key)


def resolve_reference(state: TenantState, value: Any) -> User | Group:
    """The object an ``@odata.id`` / ``@odata.bind`` URL points at, or 404 with its id."""
    return find_object(state, reference_id(value))


def reference_body(body: dict[str, Any]) -> str:
    """The ``@odata.id`` of a ``$ref`` request body."""
    return reference_id(body.get("@odata.id"))
