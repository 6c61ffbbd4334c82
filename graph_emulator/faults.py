"""Realism knobs: latency, injected 429/5xx, replication delay and Graph's own throttling limits.

All off by default and deterministic for a given seed. They model wall-clock behaviour of the
service, so they run on real monotonic time, not on the emulator's business clock.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import GraphError, ServiceUnavailable, TooManyRequests


@dataclass
class FaultRule:
    """Fail matching requests with ``status``: the next ``count`` of them, or each with ``rate``."""

    status: int
    method: str | None = None
    path: str | None = None  # regular expression searched in the path after the version segment
    count: int | None = None
    rate: float = 1.0
    retry_after: int | None = 1

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return not self.path or re.search(self.path, path) is not None


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    rules: list[FaultRule] = field(default_factory=list)
    replication_delay_s: float = 0.0
    replication_miss_rate: float = 1.0
    invitation_throttling: bool = False
    invitation_limit: int = 150
    invitation_window_s: float = 5.0
    seed: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        values["rules"] = [FaultRule(**rule) for rule in data.get("rules", [])]
        for rule in values["rules"]:
            if rule.status != 429 and not 500 <= rule.status <= 599:
                raise ValueError(f"fault status must be 429 or 5xx, not {rule.status}")
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    def __init__(self, config: FaultConfig | None = None) -> None:
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self._random = random.Random(config.seed)
        self._invitations: deque[float] = deque()
        self._created: dict[str, float] = {}

    # -- throttling and injected errors ------------------------------------------------------

    def check(self, method: str, path: str) -> GraphError | None:
        """The error this request gets instead of being served, if any."""
        for rule in self.config.rules:
            if not rule.matches(method, path) or (rule.count is not None and rule.count <= 0):
                continue
            if rule.count is None and self._random.random() >= rule.rate:
                continue
            if rule.count is not None:
                rule.count -= 1
            if rule.status == 429:
                return TooManyRequests(rule.retry_after or 1)
            return ServiceUnavailable(rule.status, rule.retry_after)
        if self.config.invitation_throttling and path.rstrip("/") == "/invitations":
            return self._throttle_invitation()
        return None

    def _throttle_invitation(self) -> GraphError | None:
        now = time.monotonic()
        window = self.config.invitation_window_s
        while self._invitations and self._invitations[0] <= now - window:
            self._invitations.popleft()
        if len(self._invitations) >= self.config.invitation_limit:
            wait = self._invitations[0] + window - now
            return TooManyRequests(
                max(1, math.ceil(wait)),
                "Rate limit exceeded for invitations: 150 requests per 5 seconds per tenant.",
            )
        self._invitations.append(now)
        return None

    # -- replication delay -------------------------------------------------------------------

    def created(self, object_id: str) -> None:
        if self.config.replication_delay_s > 0:
            self._created[object_id] = time.monotonic()

    def replicated(self, object_id: str) -> bool:
        """False while a new object is still invisible to (some) reads."""
        born = self._created.get(object_id)
        if born is None:
            return True
        if time.monotonic() - born >= self.config.replication_delay_s:
            del self._created[object_id]
            return True
        return self._random.random() >= self.config.replication_miss_rate
