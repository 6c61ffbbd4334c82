"""``$batch`` through the SDK's request adapter: per-item statuses, dependsOn/424, limits.

Requests are built with the SDK's request builders and wrapped in ``BatchRequestItem`` with explicit
ids (the SDK ignores ids passed to ``add_request``); the batch goes out through
``send_primitive_async`` so the raw response (which the SDK's batch classes would drop) can be
read. ``BatchRequestItem`` keeps absolute URLs once the client has sent a request
(msgraph-sdk-python-core#1116), which Graph refuses, so items are made relative here, as a client
must. Payloads the SDK refuses to build (more than 20 items, duplicate ids) are sent as
hand-written JSON through the same adapter.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.models.invitation import Invitation
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from .directory_helpers import (
    ADELE,
    ALREADY_MEMBER,
    FEELGOOD,
    MEGAN,
    MISSING,
    REDIRECT,
    SALES,
    invite_id,
    not_found,
    ref,
)

ERRORS = {"XXX": ODataError}


def relative(item: BatchRequestItem) -> BatchRequestItem:
    parts = urlsplit(item.url)
    path = parts.path.removeprefix("/v1.0")
    item.url = f"{path}?{parts.query}" if parts.query else path
    return item


async def send(graph, items: list[BatchRequestItem], *, fix_urls: bool = True) -> dict[str, dict[str, Any]]:
    content = BatchRequestContent({item.id: relative(item) if fix_urls else item for item in items})
    request = await graph.batch.to_post_request_information(content)
    raw = await graph.request_adapter.send_primitive_async(request, "bytes", ERRORS)
    return {r["id"]: r for r in json.loads(raw)["responses"]}


async def send_raw(graph, payload: dict[str, Any]) -> bytes:
    request = RequestInformation(Method.POST, "{+baseurl}/$batch")
    request.headers.try_add("Content-Type", "application/json")
    request.content = json.dumps(payload).encode()
    return await graph.request_adapter.send_primitive_async(request, "bytes", ERRORS)


async def add_member(graph, group_id: str, member_id: str, item_id: str, **kw: Any) -> BatchRequestItem:
    info = graph.groups.by_group_id(group_id).members.ref.to_post_request_information(ref(member_id))
    return BatchRequestItem(request_information=info, id=item_id, **kw)


async def test_member_adds_report_per_item_status(graph) -> None:
    guest = await invite_id(graph, "batch@fabrikam.example")
    items = [
        await add_member(graph, SALES, guest, "1"),
        await add_member(graph, SALES, MISSING, "2"),
        await add_member(graph, FEELGOOD, MEGAN, "3"),  # already a member
        await add_member(graph, FEELGOOD, guest, "4"),
    ]
    responses = await send(graph, items)
    assert {i: r["status"] for i, r in responses.items()} == {"1": 204, "2": 404, "3": 400, "4": 204}
    assert responses["2"]["body"]["error"]["message"] == not_found(MISSING)
    assert responses["3"]["body"]["error"] == {
        **responses["3"]["body"]["error"],
        "code": "Request_BadRequest",
        "message": ALREADY_MEMBER,
    }
    sales = await graph.groups.by_group_id(SALES).members.get()
    assert guest in {m.id for m in sales.value}


async def test_reads_and_invitations_in_one_batch(graph) -> None:
    invitation = Invitation(
        invited_user_email_address="batched@fabrikam.example", invite_redirect_url=REDIRECT
    )
    items = [
        BatchRequestItem(
            request_information=graph.users.by_user_id(ADELE).to_get_request_information(), id="get"
        ),
        BatchRequestItem(
            request_information=graph.invitations.to_post_request_information(invitation), id="inv"
        ),
        BatchRequestItem(
            request_information=graph.groups.by_group_id(FEELGOOD).members.to_get_request_information(),
            id="list",
        ),
    ]
    responses = await send(graph, items)
    assert responses["get"]["status"] == 200
    assert responses["get"]["body"]["displayName"] == "Adele Vance"
    assert responses["inv"]["status"] == 201
    assert responses["inv"]["body"]["status"] == "PendingAcceptance"
    assert responses["list"]["status"] == 200
    assert [m["id"] for m in responses["list"]["body"]["value"]] == [
        MEGAN,
        "3e4d5c6b-7a8f-4b9c-8d1e-2f3a4b5c6d7e",
    ]


async def test_dependent_item_fails_with_424(graph) -> None:
    first = await add_member(graph, SALES, MISSING, "first")
    second = await add_member(graph, SALES, ADELE, "second", depends_on=["first"])
    responses = await send(graph, [first, second])
    assert responses["first"]["status"] == 404
    assert responses["second"]["status"] == 424
    sales = await graph.groups.by_group_id(SALES).members.get()
    assert ADELE not in {m.id for m in sales.value}  # the dependent request never ran


async def test_dependency_on_a_success_runs(graph) -> None:
    first = await add_member(graph, SALES, ADELE, "a")
    second = await add_member(graph, SALES, MEGAN, "b", depends_on=["a"])
    responses = await send(graph, [first, second])
    assert (responses["a"]["status"], responses["b"]["status"]) == (204, 204)


async def test_more_than_20_requests_is_a_400(graph) -> None:
    items = [{"id": str(n), "method": "GET", "url": f"/users/{MEGAN}"} for n in range(21)]
    with pytest.raises(ODataError) as caught:
        await send_raw(graph, {"requests": items})
    assert caught.value.response_status_code == 400
    assert caught.value.error is not None
    assert caught.value.error.message == "Number of batch request steps exceeds the maximum of 20."
    ok = json.loads(await send_raw(graph, {"requests": items[:20]}))
    assert [r["status"] for r in ok["responses"]] == [200] * 20


async def test_duplicate_ids_are_a_400(graph) -> None:
    items = [
        {"id": "x", "method": "GET", "url": f"/users/{MEGAN}"},
        {"id": "X", "method": "GET", "url": f"/users/{ADELE}"},  # ids are not case-sensitive
    ]
    with pytest.raises(ODataError) as caught:
        await send_raw(graph, {"requests": items})
    assert caught.value.response_status_code == 400
    assert caught.value.error is not None
    assert caught.value.error.code == "BadRequest"


async def test_batch_items_are_throttled_individually(graph, raw_client) -> None:
    await raw_client.put(
        "/_emulator/faults",
        json={"invitation_throttling": True, "invitation_limit": 2, "invitation_window_s": 60},
    )
    items = [
        BatchRequestItem(
            request_information=graph.invitations.to_post_request_information(
                Invitation(invited_user_email_address=f"t{n}@fabrikam.example", invite_redirect_url=REDIRECT)
            ),
            id=str(n),
        )
        for n in range(3)
    ]
    responses = await send(graph, items)
    assert [responses[str(n)]["status"] for n in range(3)] == [201, 201, 429]
    assert int(responses["2"]["headers"]["Retry-After"]) >= 1


async def test_absolute_item_urls_fail_per_item(graph) -> None:
    """What the SDK sends once the adapter has set its base URL on the builders' parameters."""
    await invite_id(graph, "first-call@fabrikam.example")
    item = await add_member(graph, SALES, ADELE, "abs")
    assert item.url.startswith("http://127.0.0.1/v1.0/")
    responses = await send(graph, [item], fix_urls=False)
    assert responses["abs"]["status"] == 400
    assert responses["abs"]["body"]["error"]["code"] == "BadRequest"
