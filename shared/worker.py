"""What triggers need per worker process: settings, the Graph client, the state store, caches.

Built lazily on the first invocation (never at import or indexing time) and kept for the life of
the worker, as the Functions guidance on reusing clients recommends. Tests install their own with
``set_runtime_for_tests`` so the real handlers run against the in-process emulator and Azurite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from msgraph.graph_service_client import GraphServiceClient

from shared.graph.client import graph_client_from_settings
from shared.onboarding.gateway import DirectoryGateway
from shared.settings import Settings
from shared.state import StateStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    graph: GraphServiceClient
    store: StateStore
    gateway: DirectoryGateway = field(default_factory=DirectoryGateway)
    clock: Callable[[], datetime] = utc_now

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        # azure-core logs every storage request and response header at INFO: keep warnings only
        logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)
        return cls(
            settings=settings,
            graph=graph_client_from_settings(settings.graph),
            store=StateStore.from_settings(settings.storage),
        )

    def now(self) -> datetime:
        return self.clock()


_current: Runtime | None = None


def get_runtime() -> Runtime:
    """The worker's runtime, built from the environment on first use (raises ``ConfigurationError``)."""
    global _current
    if _current is None:
        _current = Runtime.from_settings(Settings.from_env())
    return _current


def set_runtime_for_tests(runtime: Runtime | None) -> None:
    """Install a runtime (or clear it, so the next call builds one from the environment)."""
    global _current
    _current = runtime
