"""Bulk onboarding through Guestkeeper's real HTTP handler (``POST /api/guests/batch``).

The guests go in requests of ``chunk`` (at most ``ONBOARDING_MAX_BATCH_GUESTS``), one after the
other, as an HR sync would send them; one worker serves them all, so the invitation pacer and the
group-facts cache carry over between requests as they do in a warm worker.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from bench.emulator import Endpoint
from bench.guestkeeper.app import app_settings, http_handler, signed_request, worker
from bench.measure import Meter
from bench.workload import guest_specs
from shared.onboarding.trigger import blueprint
from shared.settings import Settings


async def run(endpoint: Endpoint, params: dict[str, Any], meter: Meter) -> dict[str, Any]:
    guests, chunk = guest_specs(params["guests"]), int(params["chunk"])
    env = app_settings(endpoint, params["storage"], ONBOARDING_MAX_BATCH_GUESTS=str(chunk))
    built = worker(endpoint, Settings.from_env(env))
    handler = http_handler(blueprint(built.onboarding), "onboard_guests")
    deliveries = [
        signed_request("guests/batch", {"guests": [g.payload() for g in guests[i : i + chunk]]})
        for i in range(0, len(guests), chunk)
    ]
    statuses: Counter[int] = Counter()
    try:
        with meter:
            for delivery in deliveries:
                response = await handler(delivery)
                if response.status_code != 207:
                    raise RuntimeError(f"bulk onboarding answered {response.status_code}")
                statuses.update(r["status"] for r in json.loads(response.get_body())["results"])
    finally:
        await built.store.close()
    return {
        "requests": len(deliveries),
        "created": statuses[201],
        "existing": statuses[200],
        "failed": sum(n for s, n in statuses.items() if s not in (200, 201)),
        "pacerWaitS": round(built.onboarding().gateway.limiter.waited, 3),
    }
