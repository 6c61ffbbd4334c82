"""Fixtures for the app's own tests: settings, an Azurite-backed state store, a worker wired to the
in-process emulator, and the real HTTP handlers called with signed ``func.HttpRequest`` objects."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
import pytest
from standardwebhooks import Webhook

from shared.config import Secret
from shared.graph.batch import RetryPolicy
from shared.offboarding import trigger as offboarding_trigger
from shared.onboarding import trigger as onboarding_trigger
from shared.settings import Settings
from shared.state import StateStore
from shared.webhooks.settings import webhook_key
from shared.webhooks.signature import sign
from shared.worker import Worker

SECRET = "whsec_" + base64.b64encode(b"guestkeeper-local-test-secret-32").decode()
FEELGOOD = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"
RETAIL = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"
SALES = "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e"
SECURITY_GROUP = "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f"
ROLE_ASSIGNABLE = "9d0e1f2a-3b4c-4d5e-9f6a-7b8c9d0e1f2a"
UNKNOWN_GROUP = "00000000-1111-4222-8333-444444444444"
NOT_ALLOWED_GROUP = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
MEGAN = "1c2b3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e"  # an internal user (Member)
UNIFIED = (FEELGOOD, RETAIL, SALES)
FAST_RETRIES = RetryPolicy(not_found_delays=(0.1, 0.2, 0.4, 0.8, 1.6), default_retry_after=1.0, deadline=10.0)


def settings_env(**overrides: str) -> dict[str, str]:
    """A complete environment for ``Settings.from_env``; later sections add their keys here."""
    env = {
        "GRAPH_BASE_URL": "http://127.0.0.1/v1.0",
        "GRAPH_AUTH_MODE": "emulator",
        "WEBHOOK_SECRET": SECRET,
        "ONBOARDING_ALLOWED_GROUP_IDS": ",".join([*UNIFIED, SECURITY_GROUP, ROLE_ASSIGNABLE, UNKNOWN_GROUP]),
        "ONBOARDING_DENIED_DOMAINS": "blocked.example,*.evil.example",
        "ONBOARDING_ALLOWED_REDIRECT_URLS": "https://partners.contoso.com/welcome",
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    }
    env.update(overrides)
    return env


def make_settings(**overrides: str) -> Settings:
    return Settings.from_env(settings_env(**overrides))


def signed_headers(
    body: bytes,
    *,
    webhook_id: str | None = None,
    at: datetime | None = None,
    secret: str = SECRET,
    content_type: str = "application/json",
) -> dict[str, str]:
    """Headers a Standard Webhooks sender would send, signed with the ``standardwebhooks`` library."""
    ident = webhook_id or f"msg_{uuid.uuid4().hex}"
    when = at or datetime.now(UTC)
    try:
        signature = Webhook(secret).sign(ident, when, body.decode("utf-8"))
    except UnicodeDecodeError:  # the library signs text; sign the raw bytes the same way
        key = webhook_key(Secret(secret))
        assert key is not None
        signature = sign(key, ident, int(when.timestamp()), body)
    return {
        "webhook-id": ident,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
        "content-type": content_type,
    }


def guest(email: Any = "ada@fabrikam.com", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"email": email, "displayName": "Ada Lovelace", "groups": [FEELGOOD]}
    body.update(fields)
    return body


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    mimetype: str
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    @property
    def problem_type(self) -> str:
        return str(self.json["type"]).rsplit("/", 1)[-1]


Poster = Callable[..., Any]


def handler(blueprint: func.Blueprint, name: str) -> Callable[..., Any]:
    """The function ``name`` of ``blueprint`` as the worker indexes it: the real handler, bindings checked."""
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
    app.register_functions(blueprint)
    return next(f.get_user_function() for f in app.get_functions() if f.get_function_name() == name)


async def call(handle: Callable[..., Any], route: str, body: bytes, headers: Mapping[str, str]) -> Reply:
    request = func.HttpRequest(
        method="POST", url=f"http://localhost/api/{route}", headers=dict(headers), body=body
    )
    response: func.HttpResponse = await handle(request)
    return Reply(response.status_code, dict(response.headers), response.mimetype, response.get_body())


@pytest.fixture
def table_name() -> str:
    return f"gk{uuid.uuid4().hex[:16]}"


@pytest.fixture
async def store(storage_connection_string: str, table_name: str) -> AsyncIterator[StateStore]:
    settings = make_settings(AzureWebJobsStorage=storage_connection_string, STATE_TABLE_NAME=table_name)
    state = StateStore.from_settings(settings.storage)
    yield state
    await state.close()


@pytest.fixture
def settings(storage_connection_string: str, table_name: str) -> Settings:
    return make_settings(AzureWebJobsStorage=storage_connection_string, STATE_TABLE_NAME=table_name)


@pytest.fixture
async def worker(settings: Settings, store: StateStore, graph: Any) -> AsyncIterator[Worker]:
    """The composition the handlers are given: emulator-backed Graph client, Azurite state table.

    Its parts can be swapped in a test (``worker.graph = ...``): each invocation asks for them anew.
    """
    built = Worker(settings=settings, graph=graph, store=store, retry=FAST_RETRIES)
    yield built
    await built.close()


def signed_poster(blueprint: func.Blueprint, one: str, many: str, route: str) -> Poster:
    """``await send(payload)`` calls the real handler ``one`` at ``route``; ``bulk=True`` calls ``many``
    at ``route/batch``. Signed with the test secret unless ``headers`` (or ``raw`` bytes) say otherwise."""
    single, bulk_handler = handler(blueprint, one), handler(blueprint, many)

    async def send(
        payload: Any,
        *,
        bulk: bool = False,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
        **sign: Any,
    ) -> Reply:
        body = raw if raw is not None else json.dumps(payload).encode()
        sent = dict(headers) if headers is not None else signed_headers(body, **sign)
        if bulk:
            return await call(bulk_handler, f"{route}/batch", body, sent)
        return await call(single, route, body, sent)

    return send


@pytest.fixture
def post(worker: Worker) -> Poster:
    """``await post(payload)`` calls the real ``onboard_guest`` handler; ``bulk=True`` the bulk one."""
    return signed_poster(
        onboarding_trigger.blueprint(worker.onboarding), "onboard_guest", "onboard_guests", "guests"
    )


@pytest.fixture
def offboard(worker: Worker) -> Poster:
    """``await offboard(payload)`` calls the real ``offboard_guest`` handler; ``bulk=True`` the bulk one."""
    return signed_poster(
        offboarding_trigger.blueprint(worker.offboarding),
        "offboard_guest",
        "offboard_guests",
        "guests/offboard",
    )
