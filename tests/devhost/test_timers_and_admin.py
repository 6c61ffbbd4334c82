"""Timers on their schedules (runOnStartup, past_due) and the admin endpoint for non-HTTP functions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from azure.functions.timer import TimerRequest

from devhost.ncrontab import parse_schedule
from devhost.timers import TimerRunner
from tests.devhost.conftest import HostFactory, client_for, eventually, read_records


async def test_timer_fires_on_its_resolved_schedule(
    make_host: HostFactory, record_file: Path, storage_connection_string: str
) -> None:
    values = {"TEST_SCHEDULE": "*/1 * * * * *", "AzureWebJobsStorage": storage_connection_string}
    await make_host(values=values, listeners=True)
    calls = await eventually(lambda: read_records(record_file, "tick"), within=5)
    assert calls[0] == {"function": "tick", "past_due": False, "type": "azure.functions.timer.TimerRequest"}


async def test_run_on_startup_fires_immediately_then_on_schedule() -> None:
    fired: list[TimerRequest] = []

    async def handler(request: TimerRequest) -> None:
        fired.append(request)

    runner = TimerRunner(
        function_name="t", schedule=parse_schedule("0 0 0 1 1 *"), run_on_startup=True, handler=handler
    )
    runner.start()
    await eventually(lambda: fired, within=2)
    await runner.stop()
    assert len(fired) == 1
    assert fired[0].past_due is False
    assert fired[0].schedule_status["Next"].startswith(f"{datetime.now(UTC).year + 1}-01-01T00:00:00")


async def test_a_missed_occurrence_is_past_due() -> None:
    """The clock jumps past the following occurrence while the runner sleeps (a suspended laptop)."""
    real_now = datetime.now(UTC)
    start = timedelta(
        microseconds=500_000 - real_now.microsecond
    )  # clock reads x.5 s: next second is 0.5 s off
    offset = [start]
    fired: list[bool] = []

    async def handler(request: TimerRequest) -> None:
        fired.append(request.past_due)

    runner = TimerRunner(
        function_name="t",
        schedule=parse_schedule("*/1 * * * * *"),
        run_on_startup=False,
        handler=handler,
        clock=lambda: datetime.now(UTC) + offset[0],
    )
    runner.start()
    await asyncio.sleep(0.05)  # the runner is now asleep until the next second
    offset[0] = start + timedelta(seconds=3)
    await eventually(lambda: len(fired) >= 2, within=4)
    await runner.stop()
    assert fired[:2] == [True, False]


async def test_admin_endpoint_runs_a_timer_and_answers_202(make_host: HostFactory, record_file: Path) -> None:
    host = await make_host()
    async with client_for(host) as client:
        response = await client.post("/admin/functions/TICK", json={"input": ""})
        assert (response.status_code, response.content) == (202, b"")
        await eventually(lambda: read_records(record_file, "tick"))
        unknown = await client.post("/admin/functions/nope", json={})
        http_function = await client.post("/admin/functions/hello", json={})
        status = await client.get("/admin/host/status")
    assert unknown.status_code == 404
    assert http_function.status_code == 400
    assert status.json() == {"state": "Running"}


async def test_admin_endpoint_input_is_the_queue_message_body(
    make_host: HostFactory, record_file: Path, storage_connection_string: str
) -> None:
    host = await make_host(values={"AzureWebJobsStorage": storage_connection_string})
    async with client_for(host) as client:
        response = await client.post("/admin/functions/work", json={"input": '{"instance": "i-1"}'})
    assert response.status_code == 202
    [call] = await eventually(lambda: read_records(record_file, "work"))
    assert call["body"] == '{"instance": "i-1"}'
    assert call["dequeue_count"] == 1


async def test_run_function_awaits_the_invocation(make_host: HostFactory, record_file: Path) -> None:
    host = await make_host()
    result = await host.run_function("tick")
    assert result.succeeded
    assert result.trigger == "timerTrigger"
    assert result.duration_ms >= 0
    assert read_records(record_file, "tick")
    assert host.invocations[-1] is result
    await asyncio.sleep(0)
