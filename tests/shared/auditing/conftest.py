"""The audit endpoint's real handler, called with ``func.HttpRequest`` GETs as the worker would."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import azure.functions as func
import pytest

from shared.auditing import trigger
from shared.worker import Worker
from tests.shared.conftest import Reply, handler

Reader = Callable[..., Any]


@pytest.fixture
def read(worker: Worker) -> Reader:
    """``await read({"guest": ...})`` calls the real ``read_audit`` handler."""
    read_audit = handler(trigger.blueprint(worker.auditing), "read_audit")

    async def send(params: Mapping[str, str]) -> Reply:
        request = func.HttpRequest(
            method="GET", url=f"http://localhost/api/audit?{urlencode(params)}", params=dict(params), body=b""
        )
        response: func.HttpResponse = await read_audit(request)
        return Reply(response.status_code, dict(response.headers), response.mimetype, response.get_body())

    return send
