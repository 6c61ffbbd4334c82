"""HTTP triggers for onboarding: ``POST /api/guests`` and ``POST /api/guests/batch``.

Thin adapters: ``shared.webhooks.serve`` turns the ``HttpRequest`` into a ``Delivery``, calls one
intake coroutine with the onboarding dependencies, and turns its result or error into an
``HttpResponse``. The contract is docs/openapi.yaml; the auth level (function key) is the app's
default, set in function_app.py.
"""

from __future__ import annotations

from collections.abc import Callable

import azure.functions as func

from shared.onboarding import intake
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.responses import reply_for_bulk, reply_for_result
from shared.webhooks.serve import serve


def blueprint(deps: Callable[[], OnboardingDeps]) -> func.Blueprint:
    """The two HTTP functions; ``deps`` is asked on each invocation (the worker builds them once)."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions leaves __init__ unannotated

    @bp.route(route="guests", methods=["POST"])
    async def onboard_guest(req: func.HttpRequest) -> func.HttpResponse:
        """Onboard one guest: 201 created, 200 already onboarded, or a problem document."""
        return await serve(req, deps, intake.receive_one, reply_for_result)

    @bp.route(route="guests/batch", methods=["POST"])
    async def onboard_guests(req: func.HttpRequest) -> func.HttpResponse:
        """Onboard many guests (HR syncs): 207 with one status per guest, or a problem document."""
        return await serve(req, deps, intake.receive_many, reply_for_bulk)

    return bp
