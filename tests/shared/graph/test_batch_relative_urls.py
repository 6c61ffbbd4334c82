"""$batch items keep relative URLs even after the adapter has sent a request from the same builders.

The adapter writes ``baseurl`` into the path parameters that every request builder of a client
shares, so ``RequestInformation.url`` turns absolute after the first direct call; ``$batch``
requires URLs relative to the service root.
"""

from __future__ import annotations

from typing import Any

from graph_emulator import TenantState
from shared.graph.batch import BatchRequest, relative_url, send_batch
from shared.graph.raw import send_json

MEGAN = "1c2b3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e"


async def test_items_stay_relative_after_a_direct_call(graph: Any, emulator_state: TenantState) -> None:
    await send_json(graph, graph.users.to_get_request_information())  # its path parameters are the client's
    request = graph.users.by_user_id(MEGAN).to_get_request_information()
    assert request.url.startswith("http://")  # the SDK's shared path parameters now carry baseurl
    assert relative_url(graph, request) == f"/users/{MEGAN}"
    answers = await send_batch(graph, [BatchRequest("u", request)])
    assert answers["u"].status == 200
    assert answers["u"].body["id"] == MEGAN
    paths = [e.path for e in emulator_state.requests.entries if e.inner]
    assert paths == [f"/v1.0/users/{MEGAN}"]


async def test_a_next_link_becomes_relative(graph: Any) -> None:
    link = "http://127.0.0.1/v1.0/users?$top=2&$skiptoken=abc"
    assert relative_url(graph, graph.users.with_url(link).to_get_request_information()) == (
        "/users?$top=2&$skiptoken=abc"
    )
