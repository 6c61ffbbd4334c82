"""The emulator's gate and control plane, through the real SDK where a client would be used."""

from __future__ import annotations

import httpx
import pytest
from kiota_abstractions.api_error import APIError
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from graph_emulator.errors import GraphError
from graph_emulator.odata import parse_filter, quote

from .directory_helpers import bearer


async def test_token_endpoint_issues_bearer_tokens(raw_client: httpx.AsyncClient) -> None:
    response = await raw_client.post("/_emulator/token", json={"roles": ["User.Read.All"]})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["roles"] == ["User.Read.All"]
    assert 3000 < body["expires_in"] <= 3600
    assert body["access_token"]


async def test_unknown_role_is_refused(raw_client: httpx.AsyncClient) -> None:
    response = await raw_client.post("/_emulator/token", json={"roles": ["User.Fly.All"]})
    assert response.status_code == 400
    assert "User.Fly.All" in response.json()["error"]["message"]


async def test_missing_token_is_401_in_graph_shape(raw_client: httpx.AsyncClient) -> None:
    response = await raw_client.get("/v1.0/users")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken"
    assert error["message"] == "Access token is empty."
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}


async def test_unknown_token_is_401(raw_client: httpx.AsyncClient) -> None:
    response = await raw_client.get("/v1.0/users", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


async def test_unknown_segment_is_400_bad_request(raw_client: httpx.AsyncClient) -> None:
    authorization = await bearer(raw_client)
    response = await raw_client.get("/v1.0/frobnicators", headers=authorization)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Resource not found for the segment 'frobnicators'."


async def test_injected_429_surfaces_through_sdk_with_code(raw_client: httpx.AsyncClient, graph) -> None:
    rule = {"status": 429, "path": "^/users", "count": 1, "retry_after": 7}
    assert (await raw_client.put("/_emulator/faults", json={"rules": [rule]})).status_code == 200
    with pytest.raises(APIError) as caught:
        await graph.users.get()
    assert caught.value.response_status_code == 429
    # the rule was for one request only
    page = await graph.users.get()
    assert page is not None


async def test_request_log_counts_round_trips(raw_client: httpx.AsyncClient, graph) -> None:
    await raw_client.delete("/_emulator/requests")
    await graph.users.get()
    await graph.users.get()
    summary = (await raw_client.get("/_emulator/requests")).json()
    assert summary["roundTrips"] == 2
    assert summary["byRoute"] == {"GET /v1.0/users": 2}
    assert summary["writes"] == 0


async def test_clock_set_and_advance(raw_client: httpx.AsyncClient) -> None:
    now = (await raw_client.get("/_emulator/clock")).json()["now"]
    assert now == "2026-01-05T09:00:00Z"
    moved = await raw_client.post("/_emulator/clock", json={"advance": "P90D"})
    assert moved.json()["now"] == "2026-04-05T09:00:00Z"
    back = await raw_client.post("/_emulator/clock", json={"advance": "-P1D"})
    assert back.status_code == 400


async def test_reset_restores_the_seed(raw_client: httpx.AsyncClient, emulator) -> None:
    emulator.state.directory.users.clear()
    assert (await raw_client.post("/_emulator/reset")).status_code == 204
    dump = (await raw_client.get("/_emulator/state")).json()
    assert any(u["user_principal_name"] == "admin@contoso.onmicrosoft.com" for u in dump["users"])


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("mail eq 'o''brien@x.com'", True),
        ("mail eq 'O''Brien@X.com'", True),
        ("userType eq 'Guest' and externalUserState eq 'PendingAcceptance'", True),
        ("userType eq 'Member' or startswith(displayName,'Pat')", True),
        ("otherMails/any(m:m eq 'alt@x.com')", True),
        ("otherMails/any(m: m eq 'none@x.com')", False),
        ("not (userType eq 'Guest')", False),
        ("id in ('a', 'u1')", True),
        ("groupTypes/any(c:c eq 'Unified')", False),
        ("contains(scope/microsoft.graph.accessReviewQueryScope/query, './members')", True),
    ],
)
def test_filter_subset(expression: str, expected: bool) -> None:
    item = {
        "id": "u1",
        "mail": "o'brien@x.com",
        "displayName": "Pat O'Brien",
        "userType": "Guest",
        "externalUserState": "PendingAcceptance",
        "otherMails": ["alt@x.com"],
        "groupTypes": [],
        "scope": {"query": "./members/microsoft.graph.user/?$count=true"},
    }
    assert parse_filter(expression)(item) is expected


def test_quote_doubles_single_quotes() -> None:
    assert quote("o'brien@x.com") == "'o''brien@x.com'"


def test_bad_filter_is_a_graph_400() -> None:
    with pytest.raises(GraphError, match="Invalid filter clause") as caught:
        parse_filter("mail eq")
    assert caught.value.status == 400


async def test_odata_error_type_is_raised_for_graph_errors(graph) -> None:
    with pytest.raises(ODataError) as caught:
        await graph.users.by_user_id("00000000-0000-0000-0000-000000000000").get()
    assert caught.value.response_status_code in {404, 400}


async def test_batch_items_render_the_callers_service_root(raw_client: httpx.AsyncClient) -> None:
    authorization = await bearer(raw_client)
    body = {"requests": [{"id": "1", "method": "GET", "url": "/users?$top=1"}]}
    response = await raw_client.post("/v1.0/$batch", json=body, headers=authorization)
    item = response.json()["responses"][0]
    assert item["status"] == 200
    assert item["body"]["@odata.context"] == "http://127.0.0.1/v1.0/$metadata#users"
    assert item["body"]["@odata.nextLink"].startswith("http://127.0.0.1/v1.0/users?")
