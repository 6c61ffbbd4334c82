"""Settings of the HR callbacks: one section of ``shared.settings.Settings``.

Off unless ``HR_CALLBACK_URL`` is set (https; http only for a loopback receiver). The callbacks are
signed with ``HR_CALLBACK_SECRET`` when set, else with ``WEBHOOK_SECRET``, the secret HR already
holds to sign its onboarding requests: HR verifies our callbacks with the scheme it signs with. A
secret of its own lets each direction be rotated alone. The queue's name is read here only, so
publisher and queue function cannot disagree on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import POISON_SUFFIX, Env, Secret
from shared.webhooks.settings import webhook_key


@dataclass(frozen=True)
class CallbackSettings:
    url: str | None = None  # None: no callbacks, nothing enqueued
    secret: Secret | None = None  # None: WEBHOOK_SECRET signs (the worker decides)
    queue_name: str = "hr-callbacks"

    @property
    def poison_queue_name(self) -> str:
        return self.queue_name + POISON_SUFFIX

    @classmethod
    def from_env(cls, env: Env) -> CallbackSettings:
        url = env.url("HR_CALLBACK_URL", "", https_only=False) if env.text("HR_CALLBACK_URL") else None
        secret = env.secret("HR_CALLBACK_SECRET")
        if secret is not None and webhook_key(secret) is None:
            env.problem("HR_CALLBACK_SECRET", "must be 'whsec_' followed by base64 of at least 16 bytes")
        queue = env.queue_name("HR_CALLBACK_QUEUE_NAME", cls.queue_name)
        return cls(url=url, secret=secret, queue_name=queue)
