"""Queue trigger for cleanup: one message per finished access-review round (``%CLEANUP_QUEUE_NAME%``).

The host base64-decodes the message (host.json ``messageEncoding``; producers use
``CleanupMessage.encode()``), retries a failed delivery after ``visibilityTimeout`` and moves it to
``<queue>-poison`` after ``maxDequeueCount`` deliveries. Thin: ``shared.cleanup.delivery`` does
the work and raises on failure, so the host's retry and poison semantics apply unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import azure.functions as func

from shared.cleanup.delivery import deliver
from shared.cleanup.deps import CleanupDeps


def blueprint(deps: Callable[[], CleanupDeps]) -> func.Blueprint:
    """The queue function; ``deps`` is asked on each invocation (the worker builds them once)."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions leaves __init__ unannotated

    @bp.queue_trigger(arg_name="msg", queue_name="%CLEANUP_QUEUE_NAME%", connection="AzureWebJobsStorage")
    async def clean_up_review_round(msg: func.QueueMessage) -> None:
        """Clean up one finished round: remove denied members, disable guests left with no group."""
        await deliver(deps(), msg)

    return bp
