"""The local HR receiver: what it answers and records, signed correctly or not."""

from __future__ import annotations

import base64
import json

import httpx

from scripts.hr_receiver import Receiver, serving
from scripts.send_webhook import signed_headers

SECRET = "whsec_" + base64.b64encode(b"the-receivers-secret-32-bytes!!!").decode()
OTHER = "whsec_" + base64.b64encode(b"a-different-secret-of-32-bytes!!").decode()
BODY = json.dumps({"type": "guest.offboarded", "timestamp": "2026-04-16T02:00:00Z", "data": {}}).encode()


def post(url: str, secret: str, ident: str = "msg_1") -> int:
    return httpx.post(url, content=BODY, headers=signed_headers(secret, BODY, webhook_id=ident)).status_code


def test_a_signed_callback_is_accepted_and_recorded_as_verified() -> None:
    receiver = Receiver(SECRET)
    with serving(receiver) as url:
        assert post(url, SECRET) == 204
    [got] = receiver.received
    assert (got.webhook_id, got.status, got.verified, got.attempt) == ("msg_1", 204, True, 1)
    assert got.payload["type"] == "guest.offboarded"
    assert receiver.accepted() == {"msg_1": got.payload}


def test_another_secret_is_refused_and_recorded_as_not_verified() -> None:
    receiver = Receiver(SECRET)
    with serving(receiver) as url:
        assert post(url, OTHER) == 401
    [got] = receiver.received
    assert (got.status, got.verified) == (401, False)
    assert receiver.refused_signatures == 1
    assert receiver.accepted() == {}


def test_the_first_deliveries_fail_when_told_then_it_accepts() -> None:
    receiver = Receiver(SECRET, fail_first=2)
    with serving(receiver) as url:
        assert [post(url, SECRET) for _ in range(3)] == [503, 503, 204]
    assert [r.attempt for r in receiver.received] == [1, 2, 3]


def test_another_path_is_not_found_and_the_secret_is_not_in_its_repr() -> None:
    receiver = Receiver(SECRET)
    with serving(receiver) as url:
        assert httpx.post(url.replace("/hr/guestkeeper", "/other"), content=BODY).status_code == 404
    assert receiver.received == []
    assert SECRET not in repr(receiver)
