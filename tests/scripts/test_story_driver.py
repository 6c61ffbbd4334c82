"""The story's driver: step accounting (requests the app makes between two steps are counted once),
and HR's webhooks signed on the app's clock."""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime
from typing import Any, cast

import httpx
from standardwebhooks import Webhook

from scripts.story_driver import Driver, Endpoints
from shared.state import StateStore

SECRET = "whsec_" + base64.b64encode(b"the-stories-hr-secret-32-bytes!!").decode()


class NoInvocations:
    def finished(self) -> list[tuple[str, bool]]:
        return []


def busy_emulator(per_read: int) -> httpx.MockTransport:
    """An emulator whose round-trip counter grows by ``per_read`` between any two reads of it, as
    when the queue function runs while the story moves from one step to the next."""
    counter = itertools.count(start=100, step=per_read)

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/_emulator/requests"
        return httpx.Response(200, json={"roundTrips": next(counter)})

    return httpx.MockTransport(handle)


async def test_steps_are_contiguous_so_their_round_trips_add_up_to_the_total() -> None:
    endpoints = Endpoints("http://app", None, "http://emulator", "", "secret", NoInvocations())
    async with httpx.AsyncClient(transport=busy_emulator(per_read=3)) as http:
        story = Driver(endpoints, http, cast(StateStore, None))
        baseline: dict[str, Any] = await story.control("GET", "/requests")
        story.mark = baseline["roundTrips"]
        for number in (1, 2, 3):
            async with story.step(number, f"step {number}"):
                pass
    assert [s.round_trips for s in story.steps] == [3, 3, 3]
    # Every request between the baseline and the last step's end belongs to exactly one step;
    # counting each step from its own fresh read would lose the requests made in the gaps.
    assert story.mark == baseline["roundTrips"] + sum(s.round_trips for s in story.steps)


async def test_on_the_emulators_clock_hr_signs_its_webhooks_with_that_clock() -> None:
    """An app that reads the emulator's clock judges a webhook's timestamp against it: HR signs so."""
    business = datetime(2027, 1, 23, 1, tzinfo=UTC)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/_emulator/clock":
            return httpx.Response(200, json={"now": "2027-01-23T01:00:00Z", "ticking": False})
        seen.append(request)
        return httpx.Response(200, json={"userId": "u1", "groups": [], "account": "disabled"})

    endpoints = Endpoints(
        "http://app", "key", "http://emulator", "", SECRET, NoInvocations(), business_clock=True
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        story = Driver(endpoints, http, cast(StateStore, None))
        answer = await story.offboard("Mira Patel", {"email": "mira@northwindtraders.com"})
    assert answer["status"] == 200
    [request] = seen
    assert request.url.path == "/api/guests/offboard"
    assert request.headers["webhook-timestamp"] == str(int(business.timestamp()))
    ident = request.headers["webhook-id"]
    expected = Webhook(SECRET).sign(ident, business, request.content.decode())
    assert request.headers["webhook-signature"] == expected
