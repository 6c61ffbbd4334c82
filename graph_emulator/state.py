"""Explicit, resettable tenant state: the directory, the clock, ids, tokens, faults, request log.

Nothing lives in module globals; ``create_app(state)`` serves exactly the state it is given, and
``reset()`` returns it to the seed. Resource packages that need state of their own (access
reviews) keep it in ``extensions`` and are rebuilt on reset.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from .auth import TokenStore
from .clock import Clock, parse_datetime
from .directory import Directory, Group, User
from .faults import FaultConfig, Faults
from .ids import IdFactory

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
# Actions Graph serves as POST that only read (``getMemberGroups``): not writes in the request log.
READ_ONLY_ACTIONS = frozenset({"getMemberGroups", "microsoft.graph.getMemberGroups"})


def default_seed() -> dict[str, Any]:
    text = resources.files("graph_emulator").joinpath("default_seed.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    route: str
    status: int
    inner: bool  # an item of a $batch, not a round trip of its own
    at: float = field(default_factory=time.monotonic)

    @property
    def is_write(self) -> bool:
        last = self.route.rstrip("/").rsplit("/", 1)[-1]
        return self.method in WRITE_METHODS and last != "$batch" and last not in READ_ONLY_ACTIONS


class RequestLog:
    """What the emulator served: round trips (outer requests) and every operation (batch items too)."""

    def __init__(self) -> None:
        self.entries: list[LoggedRequest] = []

    def add(self, entry: LoggedRequest) -> None:
        self.entries.append(entry)

    def clear(self) -> None:
        self.entries.clear()

    @property
    def round_trips(self) -> int:
        return sum(1 for e in self.entries if not e.inner)

    @property
    def writes(self) -> int:
        return sum(1 for e in self.entries if e.is_write and e.status < 400)

    def summary(self) -> dict[str, Any]:
        by_route: dict[str, int] = {}
        operations: dict[str, int] = {}
        for e in self.entries:
            key = f"{e.method} {e.route}"
            if not e.inner:
                by_route[key] = by_route.get(key, 0) + 1
            if e.route.endswith("/$batch"):
                continue
            operations[key] = operations.get(key, 0) + 1
        return {
            "roundTrips": self.round_trips,
            "operations": sum(operations.values()),
            "writes": self.writes,
            "byRoute": by_route,
            "operationsByRoute": operations,
            "entries": [
                {"method": e.method, "path": e.path, "route": e.route, "status": e.status, "inner": e.inner}
                for e in self.entries
            ],
        }


class TenantState:
    def __init__(
        self,
        seed: dict[str, Any] | None = None,
        *,
        clock_start: datetime | None = None,
        ticking: bool = False,
        id_seed: int | str = 0,
        faults: FaultConfig | None = None,
    ) -> None:
        self._seed = seed if seed is not None else default_seed()
        self._clock_start = clock_start
        self._ticking = ticking
        self._id_seed = id_seed
        self._fault_config = faults
        self.tokens = TokenStore()
        self.reset()

    def reset(self, seed: dict[str, Any] | None = None) -> None:
        if seed is not None:
            self._seed = seed
        self.clock = Clock(self._clock_start, ticking=self._ticking)
        self.ids = IdFactory(self._id_seed)
        self.directory = Directory()
        self.faults = Faults(
            FaultConfig.from_json(self._fault_config.to_json()) if self._fault_config else None
        )
        self.requests = RequestLog()
        self.extensions: dict[str, Any] = {}
        self.outbox: list[dict[str, Any]] = []
        tenant = self._seed.get("tenant", {})
        self.tenant_id: str = tenant.get("id", "6babcaad-604b-40ac-a9d7-9fd97c0b779f")
        self.domain: str = tenant.get("domain", "contoso.onmicrosoft.com")
        self.display_name: str = tenant.get("displayName", "Contoso")
        self.load(self._seed)

    # -- seeding -------------------------------------------------------------------------------

    @property
    def seed(self) -> dict[str, Any]:
        """The seed document the tenant was (re)built from; extensions seed their own parts from it."""
        return self._seed

    def load(self, seed: dict[str, Any]) -> None:
        """Add the users and groups of a seed document (see ``default_seed.json``)."""
        now = self.clock.now()
        for raw in seed.get("users", []):
            user = self._user_from_seed(raw, now)
            self.directory.users[user.id] = user
        for raw in seed.get("groups", []):
            group = self._group_from_seed(raw, now)
            self.directory.groups[group.id] = group

    def _user_from_seed(self, raw: dict[str, Any], now: datetime) -> User:
        upn = raw["userPrincipalName"]
        if "@" not in upn:
            upn = f"{upn}@{self.domain}"
        last = raw.get("lastSignInDateTime")
        return User(
            id=raw.get("id") or self.ids.new_id(),
            display_name=raw.get("displayName"),
            user_principal_name=upn,
            mail=raw.get("mail"),
            user_type=raw.get("userType", "Member"),
            account_enabled=raw.get("accountEnabled", True),
            given_name=raw.get("givenName"),
            surname=raw.get("surname"),
            job_title=raw.get("jobTitle"),
            company_name=raw.get("companyName"),
            other_mails=list(raw.get("otherMails", [])),
            external_user_state=raw.get("externalUserState"),
            creation_type=raw.get("creationType"),
            created=now,
            last_sign_in=parse_datetime(last) if last else None,
        )

    def _group_from_seed(self, raw: dict[str, Any], now: datetime) -> Group:
        def ids(keys: list[str]) -> dict[str, None]:
            resolved: dict[str, None] = {}
            for key in keys:
                obj = self.directory.object(key)
                if obj is None:
                    raise ValueError(f"seed group {raw.get('displayName')!r} names unknown object {key!r}")
                resolved[obj.id] = None
            return resolved

        return Group(
            id=raw.get("id") or self.ids.new_id(),
            display_name=raw["displayName"],
            mail_nickname=raw.get("mailNickname", raw["displayName"].replace(" ", "")),
            description=raw.get("description"),
            mail=raw.get("mail")
            or (f"{raw.get('mailNickname')}@{self.domain}" if raw.get("mailEnabled") else None),
            mail_enabled=raw.get("mailEnabled", False),
            security_enabled=raw.get("securityEnabled", True),
            group_types=list(raw.get("groupTypes", [])),
            is_assignable_to_role=raw.get("isAssignableToRole", False),
            visibility=raw.get("visibility"),
            resource_provisioning_options=list(raw.get("resourceProvisioningOptions", [])),
            created=now,
            owners=ids(raw.get("owners", [])),
            members=ids(raw.get("members", [])),
        )

    @classmethod
    def from_seed_file(cls, path: Path, **kwargs: Any) -> TenantState:
        return cls(json.loads(path.read_text(encoding="utf-8")), **kwargs)
