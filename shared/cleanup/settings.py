"""Settings of the cleanup queue function: one section of ``shared.settings.Settings``.

Every value has a safe default: real writes, the mass-removal guard on at half the decisions of a
round of ten or more, per-guest removal, and the host's default ``maxDequeueCount`` of 5 (a test
keeps ``CLEANUP_MAX_DEQUEUE_COUNT`` and host.json in agreement). docs/operations.md explains them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.config import POISON_SUFFIX, Env

RemovalMode = Literal["remove", "applyDecisions"]
REMOVAL_MODES: tuple[RemovalMode, ...] = ("remove", "applyDecisions")


@dataclass(frozen=True)
class CleanupSettings:
    queue_name: str = "review-cleanup"
    dry_run: bool = False  # compute and audit what would change; write nothing to Graph
    max_denial_share: float = 0.5  # stop a round whose denials exceed this share of its decisions
    guard_min_decisions: int = 10  # ... but only rounds with at least this many decisions
    removal_mode: RemovalMode = "remove"
    max_dequeue_count: int = 5  # must equal host.json extensions.queues.maxDequeueCount

    @property
    def poison_queue_name(self) -> str:
        return self.queue_name + POISON_SUFFIX

    @classmethod
    def from_env(cls, env: Env) -> CleanupSettings:
        queue = env.queue_name("CLEANUP_QUEUE_NAME", cls.queue_name)
        mode = env.text("CLEANUP_REMOVAL_MODE") or cls.removal_mode
        if mode not in REMOVAL_MODES:
            env.problem("CLEANUP_REMOVAL_MODE", f"must be one of {', '.join(REMOVAL_MODES)}")
            mode = cls.removal_mode
        return cls(
            queue_name=queue,
            dry_run=env.boolean("CLEANUP_DRY_RUN", cls.dry_run),
            max_denial_share=_share(env, "CLEANUP_MAX_DENIAL_SHARE", cls.max_denial_share),
            guard_min_decisions=env.integer(
                "CLEANUP_GUARD_MIN_DECISIONS", cls.guard_min_decisions, minimum=1, maximum=1_000_000
            ),
            removal_mode=mode,
            max_dequeue_count=env.integer(
                "CLEANUP_MAX_DEQUEUE_COUNT", cls.max_dequeue_count, minimum=1, maximum=100
            ),
        )


def _share(env: Env, name: str, default: float) -> float:
    """A fraction in (0, 1]; 1 turns the guard off (denials can never exceed every decision)."""
    raw = env.text(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        env.problem(name, f"must be a number between 0 and 1, not {raw!r}")
        return default
    if not 0.0 < value <= 1.0:
        env.problem(name, "must be greater than 0 and at most 1")
        return default
    return value
