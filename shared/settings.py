"""Every setting of the app, read once: the shared sections and each flow's own.

``Settings.from_env(environ)`` is the only place the app reads app settings; it raises one
``ConfigurationError`` naming each missing or invalid setting. A new section is a class with a
``from_env(env)`` classmethod and one field here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from shared.callbacks.settings import CallbackSettings
from shared.cleanup.settings import CleanupSettings
from shared.config import Env, GraphSettings, StorageSettings
from shared.governance.settings import GovernanceSettings
from shared.offboarding.settings import OffboardingSettings
from shared.onboarding.settings import OnboardingSettings
from shared.webhooks.settings import WebhookSettings


@dataclass(frozen=True)
class Settings:
    graph: GraphSettings
    webhook: WebhookSettings
    onboarding: OnboardingSettings
    storage: StorageSettings
    cleanup: CleanupSettings
    governance: GovernanceSettings
    offboarding: OffboardingSettings
    callbacks: CallbackSettings

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every section; raise one ``ConfigurationError`` naming each missing or invalid setting."""
        env = Env(os.environ if environ is None else environ)
        settings = cls(
            graph=GraphSettings.from_env(env),
            webhook=WebhookSettings.from_env(env),
            onboarding=OnboardingSettings.from_env(env),
            storage=StorageSettings.from_env(env),
            cleanup=CleanupSettings.from_env(env),
            governance=GovernanceSettings.from_env(env),
            offboarding=OffboardingSettings.from_env(env),
            callbacks=CallbackSettings.from_env(env),
        )
        env.raise_if_problems()
        return settings
