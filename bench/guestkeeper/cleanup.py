"""Cleanup of one finished round through Guestkeeper's queue delivery (``shared.cleanup.delivery``).

``deliver`` is what the queue trigger awaits with the worker's cleanup dependencies; calling it
directly gives back the round's ``CleanupResult`` (the trigger returns nothing). Default cleanup
settings: real writes, removal member by member, the mass-removal guard on (20 % denials pass it).
"""

from __future__ import annotations

import uuid
from typing import Any

from azure.functions.queue import QueueMessage

from bench.emulator import Endpoint, review_instance
from bench.guestkeeper.app import app_settings, worker
from bench.measure import Meter
from bench.workload import REVIEWED_GROUP
from shared.cleanup.delivery import deliver
from shared.queue.message import CleanupMessage
from shared.settings import Settings


async def run(endpoint: Endpoint, params: dict[str, Any], meter: Meter) -> dict[str, Any]:
    definition_id, instance_id = await review_instance(endpoint, REVIEWED_GROUP)
    built = worker(endpoint, Settings.from_env(app_settings(endpoint, params["storage"])))
    body = CleanupMessage(definition_id, instance_id, REVIEWED_GROUP).to_json().encode()
    message = QueueMessage(id=str(uuid.uuid4()), body=body, dequeue_count=1)  # as the host decodes it
    try:
        with meter:
            result = await deliver(built.cleanup(), message)
    finally:
        await built.store.close()
    return {
        "outcome": result.outcome.value,
        "decisions": dict(result.decisions),
        "actions": dict(result.actions),
    }
