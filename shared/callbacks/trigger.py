"""Queue trigger for HR callbacks: one message per terminal outcome (``%HR_CALLBACK_QUEUE_NAME%``).

The host base64-decodes the message (host.json ``messageEncoding``; the publisher encodes with
``OutcomeMessage.encode()``), retries a failed delivery after ``visibilityTimeout`` and moves it to
``<queue>-poison`` after ``maxDequeueCount`` deliveries. Thin: ``shared.callbacks.delivery`` does
the work and raises on failure, so the host's retry and poison semantics apply unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import azure.functions as func

from shared.callbacks.delivery import deliver
from shared.callbacks.deps import CallbackDeps


def blueprint(deps: Callable[[], CallbackDeps]) -> func.Blueprint:
    """The queue function; ``deps`` is asked on each invocation (the worker builds them once)."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions leaves __init__ unannotated

    @bp.queue_trigger(arg_name="msg", queue_name="%HR_CALLBACK_QUEUE_NAME%", connection="AzureWebJobsStorage")
    async def deliver_hr_callback(msg: func.QueueMessage) -> None:
        """Deliver one outcome to the HR system, signed; a non-2xx answer is retried, then poisoned."""
        await deliver(deps(), msg)

    return bp
