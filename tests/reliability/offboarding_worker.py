"""A Functions worker in miniature for the crash test: one delivery of a bulk offboarding webhook.

    python -m tests.reliability.offboarding_worker <JSON body> <webhook id>

The app is indexed and its worker built from the environment exactly as in a Functions worker
(``function_app``: Graph through ``GRAPH_BASE_URL`` with an emulator token, the state table through
``AzureWebJobsStorage``), and the real ``offboard_guests`` HTTP function runs on a request signed, as
an HR system signs it, with ``WEBHOOK_SECRET`` at the current time. The answer goes to stdout as
``{"status": ..., "body": ...}``; logs go to stderr, where the test reads them back (and scans them
for personal data).

``RELIABILITY_BATCH_CONCURRENCY`` lowers the ``$batch`` requests in flight (production: 4).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import sys
import time

import azure.functions as func

import function_app
from shared.config import Secret
from shared.webhooks.settings import webhook_key
from shared.webhooks.signature import sign


def signed(body: bytes, webhook_id: str) -> func.HttpRequest:
    key = webhook_key(Secret(os.environ["WEBHOOK_SECRET"]))
    assert key is not None
    now = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(now),
        "webhook-signature": sign(key, webhook_id, now, body),
    }
    return func.HttpRequest("POST", "http://localhost/api/guests/offboard/batch", headers=headers, body=body)


async def deliver_once(body: bytes, webhook_id: str) -> dict[str, object]:
    functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
    worker = function_app.worker.get()
    concurrency = os.environ.get("RELIABILITY_BATCH_CONCURRENCY")
    if concurrency:
        worker.retry = dataclasses.replace(worker.retry, concurrency=int(concurrency))
    try:
        response: func.HttpResponse = await functions["offboard_guests"].get_user_function()(
            signed(body, webhook_id)
        )
    finally:
        await worker.close()
    return {"status": response.status_code, "body": json.loads(response.get_body())}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(name)s %(levelname)s %(message)s")
    answer = asyncio.run(deliver_once(argv[0].encode(), argv[1]))
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
