"""Settings of the offboarding endpoint: one section of ``shared.settings.Settings``.

Every value has a safe default. The managed groups are onboarding's allowlist
(``ONBOARDING_ALLOWED_GROUP_IDS``) and the grace before deletion is governance's
(``GUEST_DELETE_GRACE_DAYS``): each is read once, by its own section, and the worker hands them
to offboarding, so the three flows cannot disagree on them. docs/operations.md explains them.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import Env


@dataclass(frozen=True)
class OffboardingSettings:
    dry_run: bool = False  # answer and audit what would change; write nothing to Graph
    max_body_bytes: int = 262_144
    max_batch_guests: int = 200

    @classmethod
    def from_env(cls, env: Env) -> OffboardingSettings:
        return cls(
            dry_run=env.boolean("OFFBOARDING_DRY_RUN", cls.dry_run),
            max_body_bytes=env.integer(
                "OFFBOARDING_MAX_BODY_BYTES", cls.max_body_bytes, minimum=1024, maximum=10 * 1024 * 1024
            ),
            max_batch_guests=env.integer(
                "OFFBOARDING_MAX_BATCH_GUESTS", cls.max_batch_guests, minimum=1, maximum=1000
            ),
        )
