"""The composition root: what one worker process builds once and hands to each flow.

``Worker`` holds the settings, the Graph client, the state store, the onboarding gateway, the
retry policy and the clock, and gives each flow only what it uses (``onboarding()``,
``governance()``, ``cleanup()``). ``function_app.py`` registers each flow's blueprint with a
``LazyWorker``, which builds the worker on the first invocation (never at import or indexing
time) and keeps it for the life of the process, as the Functions guidance on reusing clients
recommends. Tests and the benchmark build a ``Worker`` of their own and hand it to the blueprints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from msgraph.graph_service_client import GraphServiceClient

from shared.cleanup.deps import CleanupDeps
from shared.governance.deps import GovernanceDeps
from shared.graph.batch import RetryPolicy
from shared.graph.client import graph_client_from_settings
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.gateway import DirectoryGateway
from shared.queue.sender import CleanupQueue, StorageQueue
from shared.settings import Settings
from shared.state import StateStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Worker:
    settings: Settings
    graph: GraphServiceClient
    store: StateStore
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    gateway: DirectoryGateway | None = None  # None: one with ``retry``, built here
    queue: CleanupQueue | None = None  # None: the storage queue, built by the first governance run
    clock: Callable[[], datetime] = utc_now

    def __post_init__(self) -> None:
        if self.gateway is None:
            self.gateway = DirectoryGateway(policy=self.retry)

    @classmethod
    def from_settings(cls, settings: Settings) -> Worker:
        # azure-core logs every storage request and response header at INFO: keep warnings only
        logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)
        return cls(
            settings=settings,
            graph=graph_client_from_settings(settings.graph),
            store=StateStore.from_settings(settings.storage),
        )

    @classmethod
    def from_env(cls) -> Worker:
        """From the app settings (raises ``ConfigurationError`` naming each bad one)."""
        return cls.from_settings(Settings.from_env())

    def onboarding(self) -> OnboardingDeps:
        assert self.gateway is not None  # __post_init__ builds one
        return OnboardingDeps(
            graph=self.graph,
            settings=self.settings.onboarding,
            webhook=self.settings.webhook,
            gateway=self.gateway,
            claims=self.store.webhooks,
            records=self.store.onboarding,
            denials=self.store.denials,
            audit=self.store.audit,
            clock=self.clock,
        )

    def governance(self) -> GovernanceDeps:
        settings = self.settings
        if self.queue is None:
            self.queue = StorageQueue.from_settings(
                settings.storage, settings.cleanup.queue_name, settings.governance.queue_service_uri
            )
        return GovernanceDeps(
            graph=self.graph,
            settings=settings.governance,
            queue=self.queue,
            reviews=self.store.reviews,
            disabled=self.store.disabled,
            audit=self.store.audit,
            claims=self.store.webhooks,
            clock=self.clock,
            retry=self.retry,
            # a webhook timestamp is accepted within the tolerance either side of now: a claim twice
            # that old can never be replayed, so it is forgotten
            webhook_retention=2 * timedelta(seconds=settings.webhook.tolerance_seconds),
        )

    async def close(self) -> None:
        """Close the state table and the queue client built here. A Functions worker keeps them for
        its life; tests and the benchmark close them when they are done."""
        await self.store.close()
        if isinstance(self.queue, StorageQueue):
            await self.queue.close()

    def cleanup(self) -> CleanupDeps:
        return CleanupDeps(
            graph=self.graph,
            settings=self.settings.cleanup,
            reviews=self.store.reviews,
            denials=self.store.denials,
            disabled=self.store.disabled,
            audit=self.store.audit,
            clock=self.clock,
            retry=self.retry,
        )


class LazyWorker:
    """The process's ``Worker``, built by the first invocation that asks for a flow's dependencies."""

    def __init__(self, build: Callable[[], Worker] = Worker.from_env) -> None:
        self._build = build
        self._worker: Worker | None = None

    @property
    def built(self) -> bool:
        return self._worker is not None

    def get(self) -> Worker:
        if self._worker is None:
            self._worker = self._build()
        return self._worker

    def onboarding(self) -> OnboardingDeps:
        return self.get().onboarding()

    def governance(self) -> GovernanceDeps:
        return self.get().governance()

    def cleanup(self) -> CleanupDeps:
        return self.get().cleanup()
