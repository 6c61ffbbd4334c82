"""A Functions worker in miniature for the crash test: one delivery of a cleanup queue message.

    python -m tests.reliability.cleanup_worker <queue text> <dequeue count>

The app is indexed and its worker built from the environment exactly as in a Functions worker
(``function_app``: Graph through ``GRAPH_BASE_URL`` with an emulator token, the state table through
``AzureWebJobsStorage``), and the real queue function runs on a ``QueueMessage`` decoded as
host.json says. Logs go to stderr, where
the test reads them back (and scans them for personal data). Exit code 0 when the function
succeeded, 1 when it raised (the host would retry the message).

``RELIABILITY_BATCH_CONCURRENCY`` lowers the ``$batch`` requests in flight (production: 4), so that
a kill lands between two batches at a predictable point.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import logging
import os
import sys
import uuid
from pathlib import Path

from azure.functions.queue import QueueMessage

import function_app

ROOT = Path(__file__).resolve().parents[2]


def delivered(text: str, dequeue_count: int) -> QueueMessage:
    """What the worker hands the function: the queue text decoded per host.json's messageEncoding."""
    encoding = json.loads((ROOT / "host.json").read_text())["extensions"]["queues"]["messageEncoding"]
    body = base64.b64decode(text) if encoding == "base64" else text.encode()
    return QueueMessage(id=str(uuid.uuid4()), body=body, dequeue_count=dequeue_count, pop_receipt="r")


async def deliver_once(text: str, dequeue_count: int) -> None:
    functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
    worker = function_app.worker.get()
    concurrency = os.environ.get("RELIABILITY_BATCH_CONCURRENCY")
    if concurrency:
        worker.retry = dataclasses.replace(worker.retry, concurrency=int(concurrency))
    logging.getLogger("reliability.worker").info("delivery %d starts", dequeue_count)
    try:
        await functions["clean_up_review_round"].get_user_function()(delivered(text, dequeue_count))
    finally:
        await worker.close()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(name)s %(levelname)s %(message)s")
    text, dequeue_count = argv[0], int(argv[1])
    try:
        asyncio.run(deliver_once(text, dequeue_count))
    except Exception as exc:  # the host would log it and retry the message
        logging.getLogger("reliability.worker").error("delivery failed: %s", type(exc).__name__)
        return 1
    logging.getLogger("reliability.worker").info("delivery succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
