"""Fixtures for devhost's parity tests: the fixture app, its settings, and an in-process DevHost."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devhost import DevHost, DevHostOptions

FIXTURE_APP = Path(__file__).parent / "fixture_app"
FIXTURE_INDEXING = Path(__file__).parent / "fixture_indexing"
FUNCTION_KEY = "test-function-key"
MASTER_KEY = "test-master-key"

HostFactory = Callable[..., Awaitable[DevHost]]


@pytest.fixture(autouse=True)
def restore_environ() -> Iterator[None]:
    """DevHost writes local settings into os.environ, as Core Tools does; undo it after each test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    path = tmp_path / "calls.jsonl"
    os.environ["DEVHOST_FIXTURE_RECORD"] = str(path)
    return path


def read_records(path: Path, function: str | None = None) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in records if function is None or r["function"] == function]


async def eventually(check: Callable[[], Any], within: float = 10.0, interval: float = 0.05) -> Any:
    """Poll ``check`` until it returns something truthy (then return it) or time runs out."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s (last value: {value!r})")
        await asyncio.sleep(interval)


def write_settings(path: Path, values: dict[str, str]) -> Path:
    path.write_text(json.dumps({"IsEncrypted": False, "Values": values}), encoding="utf-8")
    return path


def unique_queue(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def base_values() -> dict[str, str]:
    """Settings the fixture app needs; storage is a placeholder until a test asks for Azurite."""
    return {
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "TEST_SCHEDULE": "0 0 0 1 1 *",
        "TEST_QUEUE": unique_queue("work"),
        "TEST_OUT_QUEUE": unique_queue("out"),
    }


@pytest.fixture
async def make_host(
    tmp_path: Path, record_file: Path, base_values: dict[str, str]
) -> AsyncIterator[HostFactory]:
    """Start a DevHost on the fixture app (or ``app_dir``); every host is stopped after the test."""
    hosts: list[DevHost] = []

    async def make(
        *, values: dict[str, str] | None = None, app_dir: Path = FIXTURE_APP, **options: Any
    ) -> DevHost:
        settings = write_settings(tmp_path / f"settings-{len(hosts)}.json", {**base_values, **(values or {})})
        options.setdefault("listeners", False)
        host = DevHost(
            DevHostOptions(
                app_dir=app_dir,
                settings_file=settings,
                function_key=FUNCTION_KEY,
                master_key=MASTER_KEY,
                **options,
            )
        )
        hosts.append(host)
        await host.start()
        return host

    yield make
    for host in reversed(hosts):
        await host.stop()


def client_for(host: DevHost) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=host.asgi_app), base_url="http://127.0.0.1:7071"
    )
