"""The composition root: what one worker process builds once and hands to each flow.

``Worker`` holds the settings, the Graph client, the state store, the onboarding gateway, the
retry policy, the outcome publisher and the clock, and gives each flow only what it uses
(``onboarding()``, ``governance()``, ``cleanup()``, ``offboarding()``, ``callbacks()``,
``auditing()``). ``function_app.py`` registers each flow's blueprint with a ``LazyWorker``, which
builds the worker on the first invocation (never at import or indexing time) and keeps it for the
life of the process, as the Functions guidance on reusing clients recommends. Tests and the
benchmark build a ``Worker`` of their own and hand it to the blueprints.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from msgraph.graph_service_client import GraphServiceClient

from shared.auditing.deps import AuditingDeps
from shared.callbacks.deps import CallbackDeps, new_http_client
from shared.cleanup.deps import CleanupDeps
from shared.governance.deps import GovernanceDeps
from shared.graph.batch import RetryPolicy
from shared.graph.client import EmulatorClock, graph_client_from_settings
from shared.offboarding.deps import OffboardingDeps
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.gateway import DirectoryGateway
from shared.outcomes import NO_OUTCOMES, OutcomePublisher, QueuedOutcomes
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
    outcomes: OutcomePublisher | None = None  # None: built on first use (the HR callback queue, or none)
    http: httpx.AsyncClient | None = None  # None: built by the first HR callback delivery
    clock: Callable[[], datetime] = utc_now
    _outcome_queue: StorageQueue | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.gateway is None:
            self.gateway = DirectoryGateway(policy=self.retry)

    @classmethod
    def from_settings(cls, settings: Settings) -> Worker:
        # azure-core logs every storage request and response header at INFO: keep warnings only
        logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)
        graph = settings.graph
        return cls(
            settings=settings,
            graph=graph_client_from_settings(graph),
            store=StateStore.from_settings(settings.storage),
            clock=EmulatorClock(graph.emulator_url) if graph.emulator_clock else utc_now,
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
            outcomes=self.publisher(),
        )

    def publisher(self) -> OutcomePublisher:
        """Outcomes go to the HR callback queue when ``HR_CALLBACK_URL`` is set; nowhere otherwise."""
        if self.outcomes is None:
            settings = self.settings
            if settings.callbacks.url is None:
                self.outcomes = NO_OUTCOMES
            else:
                self._outcome_queue = StorageQueue.from_settings(
                    settings.storage, settings.callbacks.queue_name, settings.governance.queue_service_uri
                )
                self.outcomes = QueuedOutcomes(self._outcome_queue)
        return self.outcomes

    def auditing(self) -> AuditingDeps:
        return AuditingDeps.over(self.store)

    def governance(self) -> GovernanceDeps:
        settings = self.settings
        if self.queue is None:
            self.queue = StorageQueue.from_settings(
                settings.storage, settings.cleanup.queue_name, settings.governance.queue_service_uri
            )
        assert self.gateway is not None  # __post_init__ builds one
        return GovernanceDeps(
            graph=self.graph,
            settings=settings.governance,
            queue=self.queue,
            reviews=self.store.reviews,
            disabled=self.store.disabled,
            audit=self.store.audit,
            claims=self.store.webhooks,
            records=self.store.onboarding,
            invitations=self.store.invitations,
            pacer=self.gateway.limiter,  # reminders and onboarding share Graph's invitation limit
            managed_groups=settings.onboarding.allowed_group_ids,
            redirect_url=settings.onboarding.redirect_url,
            clock=self.clock,
            retry=self.retry,
            # a webhook timestamp is accepted within the tolerance either side of now: a claim twice
            # that old can never be replayed, so it is forgotten
            webhook_retention=2 * timedelta(seconds=settings.webhook.tolerance_seconds),
            outcomes=self.publisher(),
        )

    async def close(self) -> None:
        """Close the state table and the queue and HTTP clients built here. A Functions worker keeps
        them for its life; tests and the benchmark close them when they are done."""
        await self.store.close()
        if isinstance(self.queue, StorageQueue):
            await self.queue.close()
        if self._outcome_queue is not None:
            await self._outcome_queue.close()
        if self.http is not None:
            await self.http.aclose()
        if isinstance(self.clock, EmulatorClock):
            self.clock.close()

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
            outcomes=self.publisher(),
        )

    def callbacks(self) -> CallbackDeps:
        if self.http is None:
            self.http = new_http_client()
        settings = self.settings
        return CallbackDeps(
            settings=settings.callbacks,
            secret=settings.callbacks.secret or settings.webhook.secret,
            http=self.http,
            records=self.store.onboarding,
            audit=self.store.audit,
            clock=self.clock,
            max_dequeue_count=settings.cleanup.max_dequeue_count,  # host.json's, one for every queue
        )

    def offboarding(self) -> OffboardingDeps:
        settings = self.settings
        return OffboardingDeps(
            graph=self.graph,
            settings=settings.offboarding,
            webhook=settings.webhook,
            managed_groups=settings.onboarding.allowed_group_ids,  # the groups Guestkeeper manages
            grace_days=settings.governance.grace_days,  # the grace governance deletes after
            claims=self.store.webhooks,
            records=self.store.onboarding,
            denials=self.store.denials,
            disabled=self.store.disabled,
            audit=self.store.audit,
            clock=self.clock,
            retry=self.retry,
            outcomes=self.publisher(),
        )


class LazyWorker:
    """The process's ``Worker``, built by the first invocation that asks for a flow's dependencies."""

    def __init__(self, build: Callable[[], Worker] = Worker.from_env) -> None:
        self._build = build
        self._worker: Worker | None = None
        self._closer: AsyncGenerator[None] | None = None
        self._primed: asyncio.Task[None] | None = None

    @property
    def built(self) -> bool:
        return self._worker is not None

    def get(self) -> Worker:
        if self._worker is None:
            self._worker = self._build()
            self._close_with_the_loop(self._worker)
        return self._worker

    def _close_with_the_loop(self, worker: Worker) -> None:
        """Close the worker's clients when the event loop that built it shuts down.

        The Functions programming model has no shutdown hook, but ``asyncio.run`` (devhost, scripts)
        closes every suspended async generator before it closes the loop (``shutdown_asyncgens``):
        one parked here closes the storage clients then, instead of aiohttp warning about unclosed
        sessions at exit. A worker built outside a loop is left to the process's end.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._closer = _closes_on_shutdown(worker)
        self._primed = loop.create_task(anext(self._closer))  # runs to the yield: the loop tracks it

    def onboarding(self) -> OnboardingDeps:
        return self.get().onboarding()

    def governance(self) -> GovernanceDeps:
        return self.get().governance()

    def cleanup(self) -> CleanupDeps:
        return self.get().cleanup()

    def callbacks(self) -> CallbackDeps:
        return self.get().callbacks()

    def offboarding(self) -> OffboardingDeps:
        return self.get().offboarding()

    def auditing(self) -> AuditingDeps:
        return self.get().auditing()


async def _closes_on_shutdown(worker: Worker) -> AsyncGenerator[None]:
    try:
        yield
    finally:
        await worker.close()
