"""The per-worker gateway for onboarding's Graph traffic: group facts cache, invitation pacing, batches.

One instance lives as long as the worker process (``shared.worker``). Group facts that Graph
never changes after creation (``groupTypes`` containing ``Unified``, ``isAssignableToRole``) are
cached for that long, so only the first request that names a group pays a (batched) ``GET``.
Sponsor facts can change, so they are cached for ``sponsor_ttl`` seconds and only when eligible.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kiota_abstractions.request_information import RequestInformation
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import GraphFailure
from shared.graph import requests
from shared.graph.batch import MAX_BATCH, BatchRequest, BatchResponse, RetryPolicy, send_batch
from shared.graph.pacing import SlidingWindowLimiter, window_filling_sizes
from shared.onboarding.models import Invited


@dataclass(frozen=True)
class GroupFacts:
    id: str
    unified: bool
    role_assignable: bool

    @property
    def problem(self) -> str | None:
        if not self.unified:
            return "is not a Microsoft 365 (Unified) group, which the guest review covers"
        if self.role_assignable:
            return "is a role-assignable group: guests are never added to one"
        return None


@dataclass(frozen=True)
class UserFacts:
    id: str
    user_type: str | None
    account_enabled: bool | None

    @property
    def problem(self) -> str | None:
        if (self.user_type or "").lower() != "member":
            return "is not an internal user (userType Member)"
        if self.account_enabled is False:
            return "is a disabled account"
        return None


class DirectoryGateway:
    def __init__(
        self,
        *,
        limiter: SlidingWindowLimiter | None = None,
        policy: RetryPolicy | None = None,
        sponsor_ttl: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limiter = limiter or SlidingWindowLimiter()
        self.policy = policy or RetryPolicy()
        self._sponsor_ttl = sponsor_ttl
        self._clock = clock
        self._groups: dict[str, GroupFacts] = {}
        self._users: dict[str, tuple[UserFacts, float]] = {}

    def forget_group(self, group_id: str) -> None:
        """Drop a cached group (a write found it gone), so the next request looks again."""
        self._groups.pop(group_id, None)

    def _cached_user(self, user_id: str) -> UserFacts | None:
        entry = self._users.get(user_id)
        return entry[0] if entry and entry[1] > self._clock() else None

    async def facts(
        self, graph: GraphServiceClient, group_ids: Iterable[str], user_ids: Iterable[str]
    ) -> tuple[dict[str, GroupFacts | None], dict[str, UserFacts | None]]:
        """Facts for each id (None: not found), fetching the unknown ones in one round of batches."""
        groups = {g: self._groups.get(g) for g in dict.fromkeys(group_ids)}
        users = {u: self._cached_user(u) for u in dict.fromkeys(user_ids)}
        wanted = {f"g{i}": g for i, g in enumerate(g for g, f in groups.items() if f is None)}
        wanted |= {f"u{i}": u for i, u in enumerate(u for u, f in users.items() if f is None)}
        if not wanted:
            return groups, users
        batch = [
            BatchRequest(
                ident, (requests.group_facts if ident[0] == "g" else requests.user_facts)(graph, oid)
            )
            for ident, oid in wanted.items()
        ]
        responses = await send_batch(graph, batch, policy=self.policy)
        for ident, oid in wanted.items():
            response = responses[ident]
            if response.status == 404:
                continue
            if not response.ok:
                raise response.failure()
            body = response.body if isinstance(response.body, dict) else {}
            if ident[0] == "g":
                unified = "Unified" in (body.get("groupTypes") or [])
                groups[oid] = self._groups[oid] = GroupFacts(
                    oid, unified, bool(body.get("isAssignableToRole"))
                )
            else:
                user = users[oid] = UserFacts(oid, body.get("userType"), body.get("accountEnabled"))
                if user.problem is None:
                    self._users[oid] = (user, self._clock() + self._sponsor_ttl)
        return groups, users

    async def invite(
        self, graph: GraphServiceClient, invitations: Sequence[tuple[str, RequestInformation]]
    ) -> dict[str, Invited | GraphFailure]:
        """Send invitations as paced ``$batch`` items; each key gets a guest or a failure.

        Batch sizes follow ``window_filling_sizes``, so the batches of each pacer window add up to its
        limit and no window is left part-empty (tests/shared/graph/test_pacing.py has the figures).
        """
        batch = [BatchRequest(key, info, paced=True) for key, info in invitations]
        sizes = window_filling_sizes(self.limiter.limit, MAX_BATCH)
        responses = await send_batch(graph, batch, policy=self.policy, limiter=self.limiter, sizes=sizes)
        return {key: _invited(responses[key]) for key, _ in invitations}

    async def write(
        self, graph: GraphServiceClient, writes: Sequence[tuple[str, RequestInformation]]
    ) -> dict[str, BatchResponse]:
        """Reference writes (members, sponsors) for guests just invited: their 404s are retried."""
        batch = [BatchRequest(key, info, retry_not_found=True) for key, info in writes]
        return await send_batch(graph, batch, policy=self.policy)


def _invited(response: BatchResponse) -> Invited | GraphFailure:
    if not response.ok:
        return response.failure()
    body = response.body if isinstance(response.body, dict) else {}
    user = body.get("invitedUser")
    user_id = user.get("id") if isinstance(user, dict) else None
    if not isinstance(user_id, str) or not user_id:
        return GraphFailure(502, "InvitationWithoutUser", "")
    return Invited(user_id=user_id, status=body.get("status"), redeem_url=body.get("inviteRedeemUrl"))
