"""Following ``@odata.nextLink`` through the SDK's adapter, as JSON."""

from __future__ import annotations

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.middleware.options import RetryHandlerOption

from shared.errors import GraphRequestFailed
from shared.graph import paging


def users_request(graph, top: int):
    query = graph.users.UsersRequestBuilderGetQueryParameters(select=["id"], top=top)
    config = RequestConfiguration(query_parameters=query, options=[RetryHandlerOption(max_retries=0)])
    return graph.users.to_get_request_information(config)


async def test_every_page_is_followed(graph, emulator_state) -> None:
    everyone = {u.id for u in emulator_state.directory.live_users()}
    assert len(everyone) > 2
    emulator_state.requests.clear()
    items = await paging.list_all(graph, users_request(graph, 2))
    assert {i["id"] for i in items} == everyone
    assert emulator_state.requests.round_trips == -(-len(everyone) // 2)
    later = emulator_state.requests.entries[1:]
    assert all(e.path == "/v1.0/users" for e in later)


async def test_a_relative_next_link_is_refused(graph, monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_send(_graph, _request):
        return {"value": [], "@odata.nextLink": "/users?$skiptoken=x"}

    monkeypatch.setattr(paging, "send_json", fake_send)
    with pytest.raises(GraphRequestFailed):
        await paging.list_all(graph, users_request(graph, 2))


async def test_a_page_linking_to_itself_is_bounded(graph, monkeypatch: pytest.MonkeyPatch) -> None:
    async def loop(_graph, _request):
        return {"value": [{"id": "x"}], "@odata.nextLink": "http://127.0.0.1/v1.0/users?$skiptoken=x"}

    monkeypatch.setattr(paging, "send_json", loop)
    monkeypatch.setattr(paging, "MAX_PAGES", 3)
    with pytest.raises(GraphRequestFailed):
        await paging.list_all(graph, users_request(graph, 2))
