"""``python -m bench.guestkeeper.coldstart``: a fresh worker, from import to its first onboarding answer.

What a Functions worker does on a cold start: import ``function_app`` (indexing), then serve the
first ``POST /api/guests`` through the real handler, which builds the worker from the app settings
in the environment (Graph client, state table) on first use. The signed request comes from the
parent in ``BENCH_REQUEST`` (JSON: body and headers), so signing is not counted here.

Prints one JSON line: import and first-request seconds, the answer's status, peak RSS, modules.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before any import this process measures


def main() -> None:
    import asyncio
    import json
    import os
    import sys

    import function_app  # the worker indexes the app: every trigger module and what it imports

    imported = time.perf_counter()
    functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
    onboard_guest = functions["onboard_guest"].get_user_function()
    request = json.loads(os.environ["BENCH_REQUEST"])

    import azure.functions as func

    http = func.HttpRequest(
        method="POST",
        url="http://localhost/api/guests",
        headers=request["headers"],
        body=request["body"].encode(),
    )
    response = asyncio.run(onboard_guest(http))
    answered = time.perf_counter()
    from bench.rss import peak_rss_kb  # after the clock stopped

    print(
        json.dumps(
            {
                "import_s": imported - STARTED,
                "first_request_s": answered - imported,
                "status": response.status_code,
                "peak_rss_kb": peak_rss_kb(),
                "modules": len(sys.modules),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
