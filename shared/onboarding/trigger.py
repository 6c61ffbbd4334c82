"""HTTP triggers for onboarding: ``POST /api/guests`` and ``POST /api/guests/batch``.

Thin adapters: turn the ``HttpRequest`` into a ``Delivery``, call one intake coroutine with the
onboarding dependencies, and turn its result or error into an ``HttpResponse``. The contract is
docs/openapi.yaml; the auth level (function key) is the app's default, set in function_app.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import azure.functions as func

from shared.http import Reply
from shared.onboarding import intake
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.problems import reply_for_error
from shared.onboarding.responses import reply_for_bulk, reply_for_result

log = logging.getLogger("guestkeeper.http")
R = TypeVar("R")


def blueprint(deps: Callable[[], OnboardingDeps]) -> func.Blueprint:
    """The two HTTP functions; ``deps`` is asked on each invocation (the worker builds them once)."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions leaves __init__ unannotated

    @bp.route(route="guests", methods=["POST"])
    async def onboard_guest(req: func.HttpRequest) -> func.HttpResponse:
        """Onboard one guest: 201 created, 200 already onboarded, or a problem document."""
        return await _serve(req, deps, intake.receive_one, reply_for_result)

    @bp.route(route="guests/batch", methods=["POST"])
    async def onboard_guests(req: func.HttpRequest) -> func.HttpResponse:
        """Onboard many guests (HR syncs): 207 with one status per guest, or a problem document."""
        return await _serve(req, deps, intake.receive_many, reply_for_bulk)

    return bp


async def _serve(
    req: func.HttpRequest,
    deps: Callable[[], OnboardingDeps],
    receive: Callable[[OnboardingDeps, intake.Delivery], Awaitable[R]],
    render: Callable[[R], Reply],
) -> func.HttpResponse:
    try:
        result = await receive(deps(), intake.Delivery.of(req.get_body(), dict(req.headers)))
        reply = render(result)
    except Exception as exc:  # the edge: every error becomes a problem document
        reply = reply_for_error(exc)
        log.info("%s answered %s %s", receive.__name__, reply.status, reply.body["type"].rsplit("/", 1)[-1])
    return func.HttpResponse(
        reply.encoded(), status_code=reply.status, headers=reply.headers, mimetype=reply.media_type
    )
