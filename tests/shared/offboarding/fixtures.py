"""Contractors on the emulator for the offboarding tests, and what an HR system sends for them."""

from __future__ import annotations

from typing import Any

from graph_emulator import TenantState
from graph_emulator.directory import User
from tests.emulator.access_review_fixtures import add_group, add_guest
from tests.shared.conftest import settings_env

MANAGED = sorted(settings_env()["ONBOARDING_ALLOWED_GROUP_IDS"].split(","))  # the groups Guestkeeper manages
# Graph routes as the request log names them
SEARCH = "GET /v1.0/users"
GROUPS_OF = "POST /v1.0/users/{user_id}/getMemberGroups"
REMOVE = "DELETE /v1.0/groups/{group_id}/members/{member_id}/$ref"
DISABLE = "PATCH /v1.0/users/{user_id}"


def contractor(state: TenantState, name: str, *groups: str, other_mails: tuple[str, ...] = ()) -> User:
    """A redeemed B2B guest Guestkeeper never onboarded; its address is ``{name}@example.net``."""
    user = add_guest(state, name, groups=groups)
    user.other_mails = list(other_mails)
    return user


def unmanaged_group(state: TenantState) -> str:
    """A Microsoft 365 group outside the onboarding allowlist: access offboarding leaves alone."""
    return add_group(state, "Partner Extranet").id


def leaving(email: Any, **fields: Any) -> dict[str, Any]:
    return {"email": email, **fields}


def statuses(body: dict[str, Any]) -> dict[str, str]:
    """The answer's group statuses, by group id."""
    return {g["groupId"]: g["status"] for g in body["groups"]}


def operations(state: TenantState) -> dict[str, int]:
    ops: dict[str, int] = state.requests.summary()["operationsByRoute"]
    return ops
