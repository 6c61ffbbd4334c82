"""Guestkeeper configured as a deployment would be, pointed at the emulator and Azurite.

Settings come from an app-settings environment through ``Settings.from_env`` (as the Functions host
provides them), the Graph client from ``graph_client_from_settings`` (emulator token mode, default
middleware), the state table from ``StateStore.from_settings``: the production composition
(``Worker.from_settings``), with only the transport swapped when the emulator runs in-process.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import azure.functions as func

from bench.emulator import Endpoint
from bench.workload import ONBOARDING_GROUPS, REDIRECT_URL
from shared.graph.client import graph_client_from_settings
from shared.settings import Settings
from shared.state import StateStore
from shared.webhooks.signature import sign
from shared.worker import Worker

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"guestkeeper-benchmark-secret-32b").decode()


def app_settings(endpoint: Endpoint, storage: str, **overrides: str) -> dict[str, str]:
    """The app settings of a deployment against the emulator, with a state table of its own."""
    return {
        "GRAPH_BASE_URL": endpoint.graph_url,
        "GRAPH_AUTH_MODE": "emulator",
        "GRAPH_EMULATOR_URL": endpoint.url,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ONBOARDING_ALLOWED_GROUP_IDS": ",".join(ONBOARDING_GROUPS),
        "ONBOARDING_REDIRECT_URL": REDIRECT_URL,
        "AzureWebJobsStorage": storage,
        "STATE_TABLE_NAME": f"bench{uuid.uuid4().hex[:16]}",
        **overrides,
    }


def worker(endpoint: Endpoint, settings: Settings) -> Worker:
    """What ``Worker.from_settings`` builds, with the emulator's transport when it is in-process."""
    if endpoint.transport is None:
        return Worker.from_settings(settings)
    graph = graph_client_from_settings(settings.graph, transport=endpoint.transport)
    return Worker(settings=settings, graph=graph, store=StateStore.from_settings(settings.storage))


def http_handler(
    blueprint: func.Blueprint, name: str
) -> Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]:
    """The function ``name`` of ``blueprint`` as the worker indexes it (the real handler)."""
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
    app.register_functions(blueprint)
    handler: Callable[[func.HttpRequest], Awaitable[func.HttpResponse]] = next(
        f.get_user_function() for f in app.get_functions() if f.get_function_name() == name
    )
    return handler


def signed_headers(body: bytes) -> dict[str, str]:
    """Standard Webhooks headers for ``body``, as the HR system signs a delivery."""
    webhook_id = f"msg_{uuid.uuid4().hex}"
    stamp = int(datetime.now(UTC).timestamp())
    key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(key, webhook_id, stamp, body),
        "content-type": "application/json",
    }


def signed_request(route: str, payload: object) -> func.HttpRequest:
    """A signed delivery of ``payload`` to ``POST /api/{route}``."""
    body = json.dumps(payload).encode()
    headers = signed_headers(body)
    return func.HttpRequest(method="POST", url=f"http://localhost/api/{route}", headers=headers, body=body)
