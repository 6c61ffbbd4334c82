"""Graph errors to domain outcomes: one mapping, exercised on SDK exceptions and batch items."""

from __future__ import annotations

import pytest
from kiota_abstractions.api_error import APIError

from shared.errors import AlreadyMember, Forbidden, GraphRequestFailed, NotFound, Throttled, Transient
from shared.graph.errors import classify, from_api_error, from_batch_item, retry_after
from shared.graph.raw import send_json
from tests.shared.conftest import FEELGOOD

ALREADY = (
    "One or more added object references already exist for the following modified properties: 'members'."
)


@pytest.mark.parametrize(
    ("status", "code", "message", "kind"),
    [
        (429, "TooManyRequests", "", Throttled),
        (503, "ServiceUnavailable", "", Transient),
        (504, "GatewayTimeout", "", Transient),
        (404, "Request_ResourceNotFound", "Resource 'x' does not exist", NotFound),
        (403, "Authorization_RequestDenied", "Insufficient privileges", Forbidden),
        (400, "Request_BadRequest", ALREADY, AlreadyMember),
        (400, "Request_BadRequest", ALREADY.replace("members", "sponsors"), AlreadyMember),
        (400, "Request_BadRequest", "Invalid object identifier", GraphRequestFailed),
        (400, "Request_BadRequest", "Something already exists somewhere", GraphRequestFailed),
        (409, "Conflict", "", GraphRequestFailed),
    ],
)
def test_classify(status: int, code: str, message: str, kind: type) -> None:
    failure = classify(status, code, message)
    assert type(failure) is kind
    assert failure.status == status


def test_already_member_names_the_relationship() -> None:
    failure = classify(400, "Request_BadRequest", ALREADY.replace("members", "sponsors"))
    assert isinstance(failure, AlreadyMember)
    assert failure.relationship == "sponsors"


def test_retry_after_forms() -> None:
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after(None) is None


def test_batch_item_bodies() -> None:
    failure = from_batch_item(
        429, {"Retry-After": "3"}, {"error": {"code": "TooManyRequests", "message": ""}}
    )
    assert isinstance(failure, Throttled)
    assert failure.retry_after == 3.0
    assert isinstance(from_batch_item(502, {}, "not json"), Transient)


def test_plain_api_error() -> None:
    failure = from_api_error(APIError("boom", 503, {"Retry-After": "2"}))
    assert isinstance(failure, Transient)
    assert failure.retry_after == 2.0


async def test_sdk_errors_through_the_adapter(graph, raw_client) -> None:
    """A real ODataError from the emulator, read through ``raw.send_json``."""
    info = graph.groups.by_group_id("00000000-0000-4000-8000-000000000000").to_get_request_information()
    with pytest.raises(NotFound) as caught:
        await send_json(graph, info)
    assert caught.value.code == "Request_ResourceNotFound"
    await raw_client.put(
        "/_emulator/faults",
        json={"rules": [{"status": 429, "path": "^/groups", "count": 1, "retry_after": 4}]},
    )
    with pytest.raises(Throttled) as throttled:
        await send_json(graph, graph.groups.by_group_id(FEELGOOD).to_get_request_information())
    assert throttled.value.retry_after == 4.0
    body = await send_json(graph, graph.groups.by_group_id(FEELGOOD).to_get_request_information())
    assert body["id"] == FEELGOOD
