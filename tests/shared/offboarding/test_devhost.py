"""Offboarding end to end over HTTP: the real ``function_app`` on devhost (function keys, the
worker built from the environment, as in Azure), the Graph emulator on a socket and Azurite; an HR
system onboards a contractor, then offboards it, then sends a bulk sync."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.reliability.stack import app_stack
from tests.shared.conftest import FEELGOOD, RETAIL, signed_headers

ADDRESS = "grace.hopper@fabrikam.com"


async def test_an_hr_system_offboards_over_http(
    storage_connection_string: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app_stack(storage_connection_string, None, monkeypatch) as stack:
        secret, key = stack.endpoints.webhook_secret, str(stack.endpoints.function_key)

        async def send(client: httpx.AsyncClient, route: str, payload: Any) -> httpx.Response:
            body = json.dumps(payload).encode()
            headers = signed_headers(body, secret=secret) | {"x-functions-key": key}
            return await client.post(f"/api/{route}", content=body, headers=headers)

        async with httpx.AsyncClient(base_url=stack.host.url, timeout=30) as http:
            onboarded = await send(http, "guests", {"email": ADDRESS, "groups": [FEELGOOD, RETAIL]})
            assert onboarded.status_code == 201
            user_id = onboarded.json()["userId"]

            unkeyed = await http.post("/api/guests/offboard", content=b"{}")
            assert (unkeyed.status_code, unkeyed.content) == (401, b"")  # the host refuses first

            offboarded = await send(http, "guests/offboard", {"email": ADDRESS, "externalRef": "HR-77"})
            assert offboarded.status_code == 200
            assert offboarded.headers["content-type"].startswith("application/json")
            body = offboarded.json()
            assert (body["userId"], body["account"], body["externalRef"]) == (user_id, "disabled", "HR-77")
            assert {g["groupId"]: g["status"] for g in body["groups"]}[FEELGOOD] == "removed"

            sync = await send(
                http, "guests/offboard/batch", {"guests": [{"email": ADDRESS}, {"email": "x@fabrikam.com"}]}
            )
            assert sync.status_code == 207
            assert [(r["status"], r.get("guest", {}).get("account")) for r in sync.json()["results"]] == [
                (200, "alreadyDisabled"),
                (404, None),
            ]
            refused = await send(http, "guests/offboard", {"email": ADDRESS, "cooldown": "no"})
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.status_code == 422

        user = stack.state.directory.users[user_id]
        assert user.account_enabled is False
        assert all(user_id not in stack.state.directory.groups[g].members for g in (FEELGOOD, RETAIL))
        ran = [(i.function, i.succeeded) for i in stack.host.invocations]
        assert ran == [
            ("onboard_guest", True),
            ("offboard_guest", True),
            ("offboard_guests", True),
            ("offboard_guest", True),
        ]
