"""Queue triggers against real Azurite, with the storage extension's semantics."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import shutil
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient, QueueMessage, TextBase64DecodePolicy, TextBase64EncodePolicy

from devhost.queues import Backoff
from tests.devhost.conftest import FIXTURE_APP, HostFactory, eventually, read_records, unique_queue


@pytest.fixture
def queues(storage_connection_string: str, base_values: dict[str, str]) -> dict[str, str]:
    """Settings naming fresh queues on Azurite for this test."""
    return {
        **base_values,
        "AzureWebJobsStorage": storage_connection_string,
        "TEST_QUEUE": unique_queue("work"),
        "TEST_OUT_QUEUE": unique_queue("out"),
    }


def client(conn: str, name: str, *, base64: bool = False) -> QueueClient:
    if base64:
        return QueueClient.from_connection_string(
            conn,
            name,
            message_encode_policy=TextBase64EncodePolicy(),
            message_decode_policy=TextBase64DecodePolicy(),
        )
    return QueueClient.from_connection_string(conn, name)


def remaining(queue: QueueClient) -> int:
    return int(queue.get_queue_properties().approximate_message_count or 0)


async def test_base64_message_is_decoded_passed_with_metadata_and_deleted(
    make_host: HostFactory, queues: dict[str, str], record_file: Path
) -> None:
    conn = queues["AzureWebJobsStorage"]
    await make_host(values=queues, listeners=True)
    producer = client(conn, queues["TEST_QUEUE"], base64=True)
    sent = producer.send_message("echo héllo")
    [call] = await eventually(lambda: read_records(record_file, "work"))
    assert call["body"] == "echo héllo"
    assert (call["id"], call["dequeue_count"]) == (sent.id, 1)
    assert all(call[k] for k in ("pop_receipt", "insertion_time", "expiration_time", "time_next_visible"))
    await eventually(lambda: remaining(producer) == 0)
    replies = client(conn, queues["TEST_OUT_QUEUE"], base64=True)
    [reply] = await eventually(lambda: _receive(replies))
    assert reply.content == "done:echo héllo"  # the output binding encodes with messageEncoding too


async def test_a_message_that_is_not_base64_goes_to_poison_without_invoking(
    make_host: HostFactory, queues: dict[str, str], record_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    conn, name = queues["AzureWebJobsStorage"], queues["TEST_QUEUE"]
    caplog.set_level(logging.WARNING, logger="devhost")
    await make_host(values=queues, listeners=True)
    client(conn, name).send_message('{"plain": "json"}')  # azure-storage-queue v12 does not encode by default
    poison = client(conn, f"{name}-poison")
    [moved] = await eventually(lambda: _peek(poison))
    assert moved.content == '{"plain": "json"}'
    assert read_records(record_file, "work") == []
    assert "could not be decoded as base64: The input is not a valid Base-64 string" in caplog.text
    assert f"Moving message to queue '{name}-poison'" in caplog.text


def _peek(queue: QueueClient) -> list[object]:
    try:
        return list(queue.peek_messages(max_messages=32))
    except ResourceNotFoundError:  # the poison queue does not exist until the first poison message
        return []


def _receive(queue: QueueClient) -> list[QueueMessage]:
    try:
        return list(queue.receive_messages())
    except ResourceNotFoundError:  # an output queue is created by the first write, after the function ran
        return []


async def test_failing_message_is_retried_then_poisoned_after_max_dequeue_count(
    make_host: HostFactory, queues: dict[str, str], record_file: Path
) -> None:
    conn, name = queues["AzureWebJobsStorage"], queues["TEST_QUEUE"]
    await make_host(values=queues, listeners=True)
    producer = client(conn, name, base64=True)
    producer.send_message("fail-always")
    poison = client(conn, f"{name}-poison", base64=True)
    [moved] = await eventually(lambda: _peek(poison))
    assert moved.content == "fail-always"  # copied as received: still base64 on the wire
    assert [c["dequeue_count"] for c in read_records(record_file, "work")] == [1, 2, 3]  # maxDequeueCount 3
    await eventually(lambda: remaining(producer) == 0)  # deleted once the poison copy is written


async def test_message_already_over_max_dequeue_count_is_poisoned_without_invoking(
    make_host: HostFactory, queues: dict[str, str], record_file: Path
) -> None:
    conn, name = queues["AzureWebJobsStorage"], queues["TEST_QUEUE"]
    producer = client(conn, name, base64=True)
    producer.create_queue()
    producer.send_message("crashed-before")
    for _ in range(3):  # three earlier hosts received it and died (dequeue_count 3 == maxDequeueCount)
        [message] = list(producer.receive_messages(visibility_timeout=30))
        producer.update_message(message, visibility_timeout=0)
    await make_host(values=queues, listeners=True)
    await eventually(lambda: _peek(client(conn, f"{name}-poison")))
    assert read_records(record_file, "work") == []


async def test_message_encoding_none_passes_text_as_is(
    make_host: HostFactory, queues: dict[str, str], record_file: Path, tmp_path: Path
) -> None:
    app_dir = tmp_path / "app"
    shutil.copytree(FIXTURE_APP, app_dir)
    host_json = json.loads((app_dir / "host.json").read_text())
    host_json["extensions"]["queues"]["messageEncoding"] = "none"
    (app_dir / "host.json").write_text(json.dumps(host_json))
    conn = queues["AzureWebJobsStorage"]
    await make_host(values=queues, app_dir=app_dir, listeners=True)
    client(conn, queues["TEST_QUEUE"]).send_message("echo plain")
    [call] = await eventually(lambda: read_records(record_file, "work"))
    assert call["body"] == "echo plain"
    [reply] = await eventually(lambda: _receive(client(conn, queues["TEST_OUT_QUEUE"])))
    assert reply.content == "done:echo plain"


async def test_concurrency_is_bounded_by_batch_size_plus_new_batch_threshold(
    make_host: HostFactory, queues: dict[str, str], record_file: Path
) -> None:
    conn, name = queues["AzureWebJobsStorage"], queues["TEST_QUEUE"]
    producer = client(conn, name, base64=True)
    producer.create_queue()
    for i in range(14):
        producer.send_message(f"slow-{i}")
    await make_host(values=queues, listeners=True)
    calls = await eventually(
        lambda: len(read_records(record_file, "work")) == 14 and read_records(record_file)
    )
    edges = sorted([(c["started"], 1) for c in calls] + [(c["ended"], -1) for c in calls])
    running, peak = 0, 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    assert 4 <= peak <= 4 + 2  # batchSize 4 in parallel; a new batch only when <= newBatchThreshold (2) run


async def test_the_queue_is_created_and_stop_waits_for_running_invocations(
    make_host: HostFactory, queues: dict[str, str], record_file: Path
) -> None:
    conn, name = queues["AzureWebJobsStorage"], queues["TEST_QUEUE"]
    host = await make_host(values=queues, listeners=True)
    producer = client(conn, name, base64=True)
    assert producer.get_queue_properties().name == name  # created by the listener
    producer.send_message("slow-stop")
    await eventually(lambda: not list(producer.peek_messages()))  # received: invisible under its lease
    await host.stop()
    assert [c["body"] for c in read_records(record_file, "work")] == ["slow-stop"]
    assert remaining(producer) == 0  # completed (deleted) before stop() returned


async def test_lease_is_renewed_while_the_function_runs(
    make_host: HostFactory, queues: dict[str, str], record_file: Path
) -> None:
    """1.6 s of work under a 1 s lease: without renewal the message would reappear and run twice."""
    conn, name = queues["AzureWebJobsStorage"], queues["TEST_QUEUE"]
    host = await make_host(values=queues, listeners=True, queue_lease_seconds=1.0)
    producer = client(conn, name, base64=True)
    producer.send_message("sleep:1.6")
    await eventually(lambda: read_records(record_file, "work"))
    await eventually(lambda: remaining(producer) == 0)  # deleted with the renewed pop receipt
    await asyncio.sleep(0.5)
    assert [c["dequeue_count"] for c in read_records(record_file, "work")] == [1]
    assert [i.succeeded for i in host.invocations] == [True]


def test_polling_backs_off_exponentially_from_100ms_and_resets_on_messages() -> None:
    backoff = Backoff(0.1, 2.0, random.Random(1))
    delays = [backoff.next_delay(False) for _ in range(8)]
    assert delays[0] == 0.1
    assert all(0.18 <= d <= 0.22 for d in delays[1:2])
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert delays[-1] == 2.0
    assert backoff.next_delay(True) == 0.1
    assert 0.18 <= backoff.next_delay(False) <= 0.22
