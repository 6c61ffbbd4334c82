"""The story's step accounting: requests the app makes between two steps are counted once."""

from __future__ import annotations

import itertools
from typing import Any, cast

import httpx

from scripts.story_driver import Driver, Endpoints
from shared.state import StateStore


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
