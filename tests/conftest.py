"""Shared fixtures: the in-process Graph emulator and a real ``GraphServiceClient`` wired to it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import settings
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.graph_service_client import GraphServiceClient

from devhost.azurite import Azurite, start_azurite
from graph_emulator import EmulatorApp, TenantState, create_app
from shared.graph.client import StaticTokenCredential, build_graph_client

# No per-example deadline: timings belong to the benchmarks, and a loaded 2-core machine misses any
# fixed one. CI explores a fixed sequence of examples so a submission is judged on what was tried
# locally; local runs keep drawing new examples, which is how property tests find new bugs.
settings.register_profile("guestkeeper", deadline=None, derandomize=os.environ.get("CI") == "true")
settings.load_profile("guestkeeper")

EMULATOR_URL = "http://127.0.0.1/v1.0"
CLOCK_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def emulator_state() -> TenantState:
    return TenantState(clock_start=CLOCK_START)


@pytest.fixture
def emulator(emulator_state: TenantState) -> EmulatorApp:
    return create_app(emulator_state)


def issue_token(state: TenantState, roles: Iterable[str] | None = None) -> str:
    value = f"test-token-{state.ids.token(8)}"
    state.tokens.issue(value, roles)
    return value


GraphFactory = Callable[..., GraphServiceClient]


@pytest.fixture
def make_graph(emulator: EmulatorApp) -> GraphFactory:
    """A real GraphServiceClient over ASGITransport; ``roles`` limits the token's permissions."""

    def make(
        roles: Iterable[str] | None = None,
        *,
        retry: RetryHandlerOption | None = None,
        base_url: str = EMULATOR_URL,
    ) -> GraphServiceClient:
        token = issue_token(emulator.state, roles)
        return build_graph_client(
            base_url,
            StaticTokenCredential(token),
            transport=httpx.ASGITransport(app=emulator),
            retry=retry or RetryHandlerOption(max_retries=0),
        )

    return make


@pytest.fixture
def graph(make_graph: GraphFactory) -> GraphServiceClient:
    """A client holding every permission, with SDK retries off so faults surface in tests."""
    return make_graph()


@pytest.fixture
async def raw_client(emulator: EmulatorApp) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP to the emulator, for the control plane and documented-example replays."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator), base_url="http://127.0.0.1"
    ) as c:
        yield c


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """One Azurite (blob, queue, table; in memory) for the whole test session."""
    with start_azurite() as running:
        yield running


@pytest.fixture(scope="session")
def storage_connection_string(azurite: Azurite) -> str:
    return azurite.connection_string
