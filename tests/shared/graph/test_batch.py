"""The ``$batch`` helper against the emulator: ids, bodies, chunking, per-item retries, pacing."""

from __future__ import annotations

import time

import pytest

from graph_emulator import FaultConfig, FaultRule
from shared.graph import requests
from shared.graph.batch import BatchRequest, RetryPolicy, send_batch
from shared.graph.client import StaticTokenCredential, build_graph_client
from shared.graph.pacing import SlidingWindowLimiter
from shared.onboarding.invitations import invitation
from shared.onboarding.models import GuestRequest
from tests.shared.conftest import FEELGOOD, RETAIL, SALES


class Sleeps:
    """A fake ``asyncio.sleep`` that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def group_gets(graph, ids):
    return [BatchRequest(f"Get-{i}", requests.group_facts(graph, g)) for i, g in enumerate(ids)]


async def test_ids_and_bodies_survive(graph, emulator_state) -> None:
    responses = await send_batch(
        graph, group_gets(graph, [FEELGOOD, RETAIL, "00000000-0000-4000-8000-000000000000"])
    )
    assert set(responses) == {"Get-0", "Get-1", "Get-2"}
    assert responses["Get-0"].body["id"] == FEELGOOD
    assert responses["Get-0"].body["groupTypes"] == ["Unified"]
    assert responses["Get-2"].status == 404
    assert responses["Get-2"].failure().code == "Request_ResourceNotFound"
    assert emulator_state.requests.round_trips == 1


async def test_more_than_twenty_are_chunked(graph, emulator_state) -> None:
    ids = [FEELGOOD, RETAIL, SALES] * 15
    responses = await send_batch(graph, group_gets(graph, ids))
    assert len(responses) == 45
    assert all(r.ok for r in responses.values())
    assert emulator_state.requests.summary()["byRoute"] == {"POST /v1.0/$batch": 3}


async def test_only_throttled_items_are_retried_honouring_retry_after(graph, emulator_state) -> None:
    rule = FaultRule(status=429, path=f"^/groups/{RETAIL}", count=1, retry_after=3)
    emulator_state.faults.configure(FaultConfig(rules=[rule]))
    sleeps = Sleeps()
    responses = await send_batch(graph, group_gets(graph, [FEELGOOD, RETAIL]), sleep=sleeps)
    assert responses["Get-1"].ok
    assert responses["Get-1"].attempts == 2
    assert responses["Get-0"].attempts == 1
    assert sleeps.waits == [3.0]
    paths = [e.path for e in emulator_state.requests.entries if e.inner]
    assert sorted(paths) == sorted(
        [f"/v1.0/groups/{FEELGOOD}", f"/v1.0/groups/{RETAIL}", f"/v1.0/groups/{RETAIL}"]
    )


async def test_persistent_5xx_gives_up_after_max_attempts(graph, emulator_state) -> None:
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=503, path="^/groups", retry_after=1)])
    )
    sleeps = Sleeps()
    responses = await send_batch(
        graph, group_gets(graph, [FEELGOOD]), policy=RetryPolicy(max_attempts=3), sleep=sleeps
    )
    assert responses["Get-0"].status == 503
    assert responses["Get-0"].attempts == 3
    assert sleeps.waits == [1.0, 1.0]


async def test_a_long_retry_after_is_not_waited_for(graph, emulator_state) -> None:
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=429, path="^/groups", retry_after=120)])
    )
    sleeps = Sleeps()
    responses = await send_batch(graph, group_gets(graph, [FEELGOOD]), sleep=sleeps)
    assert responses["Get-0"].status == 429
    assert responses["Get-0"].failure().retry_after == 120.0
    assert sleeps.waits == []


async def test_total_wait_is_bounded_by_the_deadline(graph, emulator_state) -> None:
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=503, path="^/groups", retry_after=20)])
    )
    sleeps = Sleeps()
    await send_batch(graph, group_gets(graph, [FEELGOOD]), policy=RetryPolicy(deadline=30), sleep=sleeps)
    assert sleeps.waits == [20.0]


async def test_not_found_is_retried_only_for_objects_just_created(graph, emulator_state) -> None:
    emulator_state.faults.configure(FaultConfig(replication_delay_s=0.3))
    guest = GuestRequest(email="new@fabrikam.com", groups=(FEELGOOD,))
    invited = await send_batch(
        graph, [BatchRequest("i", invitation(graph, guest, "https://myapps.microsoft.com"))]
    )
    user_id = invited["i"].body["invitedUser"]["id"]
    fast = RetryPolicy(not_found_delays=(0.1, 0.2, 0.4, 0.8))
    plain = await send_batch(
        graph, [BatchRequest("m", requests.add_member(graph, FEELGOOD, user_id))], policy=fast
    )
    assert plain["m"].status == 404
    started = time.monotonic()
    retried = await send_batch(
        graph,
        [BatchRequest("m", requests.add_member(graph, FEELGOOD, user_id), retry_not_found=True)],
        policy=fast,
    )
    assert retried["m"].status == 204
    assert retried["m"].attempts > 1
    assert time.monotonic() - started < 2.0


async def test_a_failed_batch_becomes_each_items_failure(emulator) -> None:
    import httpx
    from kiota_http.middleware.options import RetryHandlerOption

    stranger = build_graph_client(
        "http://127.0.0.1/v1.0",
        StaticTokenCredential("not-issued"),
        transport=httpx.ASGITransport(app=emulator),
        retry=RetryHandlerOption(max_retries=0),
    )
    responses = await send_batch(stranger, group_gets(stranger, [FEELGOOD, RETAIL]))
    assert {r.status for r in responses.values()} == {401}
    assert responses["Get-0"].failure().code == "InvalidAuthenticationToken"


async def test_paced_items_reserve_the_limiter(graph) -> None:
    limiter = SlidingWindowLimiter(limit=20, window=0.3)
    started = time.monotonic()
    batch = [BatchRequest(f"g{i}", requests.group_facts(graph, FEELGOOD), paced=True) for i in range(40)]
    responses = await send_batch(graph, batch, limiter=limiter)
    assert all(r.ok for r in responses.values())
    assert time.monotonic() - started >= 0.3
    assert limiter.waited > 0


async def test_duplicate_ids_are_refused(graph) -> None:
    with pytest.raises(ValueError, match="unique"):
        await send_batch(graph, [BatchRequest("a", requests.group_facts(graph, FEELGOOD))] * 2)
