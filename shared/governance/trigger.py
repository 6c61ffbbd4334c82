"""Timer trigger for the daily governance pass (``%GOVERNANCE_SCHEDULE%``, e.g. ``0 0 2 * * *``).

Thin: take the worker's runtime, run one pass, log its summary. ``run_on_startup`` is off (a
restart or scale-out must not start a pass); ``use_monitor`` is on, so a schedule missed while
the app was down runs once when it is back (``past_due``). An exception fails the invocation;
the next scheduled pass completes the work, as every step is idempotent.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import azure.functions as func

from shared.governance.run import run_pass
from shared.queue.sender import StorageCleanupQueue
from shared.worker import get_runtime

bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions leaves __init__ unannotated
log = logging.getLogger(__name__)


@bp.timer_trigger(arg_name="timer", schedule="%GOVERNANCE_SCHEDULE%", run_on_startup=False, use_monitor=True)
async def governance_run(timer: func.TimerRequest) -> None:
    """One governance pass: ensure the review definition, enqueue finished rounds, grace deletions."""
    if timer.past_due:
        log.info("governance pass is running late (past due)")
    runtime = get_runtime()
    settings = runtime.settings
    queue = StorageCleanupQueue.from_settings(
        settings.storage, settings.cleanup.queue_name, settings.governance.queue_service_uri
    )
    try:
        await run_pass(
            runtime.graph,
            runtime.store,
            queue,
            runtime.settings.governance,
            now=runtime.now(),
            webhook_retention=2 * timedelta(seconds=runtime.settings.webhook.tolerance_seconds),
        )
    finally:
        await queue.close()
