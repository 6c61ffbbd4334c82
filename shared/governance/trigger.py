"""Timer trigger for the daily governance pass (``%GOVERNANCE_SCHEDULE%``, e.g. ``0 0 2 * * *``).

Thin: take the governance dependencies, run one pass. ``run_on_startup`` is off (a restart or
scale-out must not start a pass); ``use_monitor`` is on, so a schedule missed while the app was
down runs once when it is back (``past_due``). An exception fails the invocation; the next
scheduled pass completes the work, as every step is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import azure.functions as func

from shared.governance.deps import GovernanceDeps
from shared.governance.run import run_pass

log = logging.getLogger(__name__)


def blueprint(deps: Callable[[], GovernanceDeps]) -> func.Blueprint:
    """The timer function; ``deps`` is asked on each invocation (the worker builds them once)."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions leaves __init__ unannotated

    @bp.timer_trigger(
        arg_name="timer", schedule="%GOVERNANCE_SCHEDULE%", run_on_startup=False, use_monitor=True
    )
    async def governance_run(timer: func.TimerRequest) -> None:
        """One governance pass: ensure the review definition, enqueue finished rounds, grace deletions."""
        if timer.past_due:
            log.info("governance pass is running late (past due)")
        await run_pass(deps())

    return bp
