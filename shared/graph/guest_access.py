"""A guest's access as Graph shows it (its groups, its type and state), the one rule that decides
whether its account is disabled, and the disabling itself.

Cleanup (a review denied the guest one group) and offboarding (HR ended the guest's contract: every
managed group) both disable a guest left with no other group, and the grace deletion then deletes
it; so the look-up, the rule and the ``PATCH`` live here once. Requests go through ``$batch``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from msgraph.generated.models.user import User
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import GraphFailure
from shared.graph.batch import BatchRequest, BatchResponse, RetryPolicy, send_batch
from shared.graph.requests import member_groups, user_facts


@dataclass(frozen=True)
class GuestFacts:
    """What a guest's look-up found. ``groups`` is None when the user no longer exists.

    ``groups`` is transitive (``getMemberGroups``). The groups guests are reviewed in and onboarded
    to are Microsoft 365 groups, which can neither hold groups nor be members of one
    (group-post-members), so "in the group" and "in any other group" answer as a direct
    ``memberOf`` would; only the number of other groups (an audit detail) may count groups reached
    through nesting.
    """

    guest_id: str
    groups: frozenset[str] | None
    user_type: str | None = None
    enabled: bool | None = None

    @property
    def found(self) -> bool:
        return self.groups is not None

    @property
    def is_guest(self) -> bool:
        return (self.user_type or "").casefold() == "guest"

    def in_group(self, group_id: str) -> bool:
        return self.groups is not None and group_id in self.groups

    def other_groups(self, leaving: Collection[str]) -> int:
        """How many of its groups are not among those it is ``leaving``."""
        return len((self.groups or frozenset()) - set(leaving))


class AccountVerdict(StrEnum):
    """What happens to a guest's account once it leaves some groups (the values are audit words)."""

    DISABLE = "disable"
    USER_NOT_FOUND = "user-not-found"  # the user was deleted: nothing left to do
    KEPT_OTHER_GROUPS = "kept-other-groups"  # the account stays: the guest has other groups
    KEPT_NOT_GUEST = "kept-not-guest"  # the principal is no longer a guest: never disabled
    ALREADY_DISABLED = "already-disabled"


def account_verdict(fact: GuestFacts, leaving: Collection[str]) -> tuple[AccountVerdict, str | None]:
    """The one rule, for every flow and for real and dry runs: only an enabled guest account left
    with no group outside ``leaving`` is disabled. The detail says why an account is kept."""
    others = fact.other_groups(leaving)
    if not fact.found:
        return AccountVerdict.USER_NOT_FOUND, None
    if others:
        return AccountVerdict.KEPT_OTHER_GROUPS, f"{others} other groups"
    if not fact.is_guest:
        return AccountVerdict.KEPT_NOT_GUEST, f"userType {fact.user_type}"
    if fact.enabled is False:
        return AccountVerdict.ALREADY_DISABLED, None
    return AccountVerdict.DISABLE, None


async def look_up(
    graph: GraphServiceClient, guest_ids: Iterable[str], policy: RetryPolicy, *, with_user: bool = True
) -> dict[str, GuestFacts]:
    """Each guest's group ids (``getMemberGroups``) and, ``with_user``, its type and state."""
    ids = list(dict.fromkeys(guest_ids))
    requests = [BatchRequest(f"g{n}", member_groups(graph, g)) for n, g in enumerate(ids)]
    if with_user:
        requests += [BatchRequest(f"u{n}", user_facts(graph, g)) for n, g in enumerate(ids)]
    answers = await send_batch(graph, requests, policy=policy)
    facts: dict[str, GuestFacts] = {}
    for n, guest_id in enumerate(ids):
        groups = _groups(answers[f"g{n}"])
        user: Mapping[str, Any] = {}
        if with_user and groups is not None:
            user = _ok_body(answers[f"u{n}"]) or {}
        enabled = user.get("accountEnabled")
        facts[guest_id] = GuestFacts(
            guest_id, groups, user.get("userType"), enabled if isinstance(enabled, bool) else None
        )
    return facts


async def disable_accounts(
    graph: GraphServiceClient, guest_ids: Iterable[str], policy: RetryPolicy
) -> dict[str, int | GraphFailure]:
    """``PATCH /users/{id}`` ``{"accountEnabled": false}`` for each guest: 204, 404, or a failure."""
    ids = list(guest_ids)
    requests = [
        BatchRequest(
            f"d{n}", graph.users.by_user_id(g).to_patch_request_information(User(account_enabled=False))
        )
        for n, g in enumerate(ids)
    ]
    return statuses(ids, "d", await send_batch(graph, requests, policy=policy))


def statuses(
    keys: list[str], prefix: str, answers: Mapping[str, BatchResponse]
) -> dict[str, int | GraphFailure]:
    """Each key's write answer (item ``{prefix}{n}``): its 2xx status, 404 (gone), or the failure."""
    out: dict[str, int | GraphFailure] = {}
    for n, key in enumerate(keys):
        response = answers[f"{prefix}{n}"]
        out[key] = response.status if response.ok or response.status == 404 else response.failure()
    return out


def _ok_body(response: BatchResponse) -> Mapping[str, Any] | None:
    """The body of a successful item; None for 404 (gone); any other failure raises it."""
    if response.status == 404:
        return None
    if not response.ok:
        raise response.failure()
    return response.body if isinstance(response.body, dict) else {}


def _groups(response: BatchResponse) -> frozenset[str] | None:
    """The ids of ``{"value": [ids]}`` (one answer, never paged); None when the user is gone.

    More than 11,000 groups is Graph's ``400 Directory_ResultSizeLimitExceeded``: raised, like any
    other failure, so the caller retries rather than deciding on a partial answer.
    """
    body = _ok_body(response)
    if body is None:
        return None
    return frozenset(str(group_id).lower() for group_id in body.get("value") or [])
