"""HTTP triggers for offboarding: ``POST /api/guests/offboard`` and ``POST /api/guests/offboard/batch``.

Thin adapters, as onboarding's: ``shared.webhooks.serve`` turns the ``HttpRequest`` into a
``Delivery``, calls one intake coroutine with the offboarding dependencies, and turns its result
or error into an ``HttpResponse``. The contract is docs/openapi.yaml; the auth level (function key)
is the app's default, set in function_app.py.
"""

from __future__ import annotations

from collections.abc import Callable

import azure.functions as func

from shared.offboarding import intake
from shared.offboarding.deps import OffboardingDeps
from shared.offboarding.responses import reply_for_bulk, reply_for_result
from shared.webhooks.serve import serve


def blueprint(deps: Callable[[], OffboardingDeps]) -> func.Blueprint:
    """The two HTTP functions; ``deps`` is asked on each invocation (the worker builds them once)."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions leaves __init__ unannotated

    @bp.route(route="guests/offboard", methods=["POST"])
    async def offboard_guest(req: func.HttpRequest) -> func.HttpResponse:
        """Offboard one guest: 200 with what was done, or a problem document."""
        return await serve(req, deps, intake.receive_one, reply_for_result)

    @bp.route(route="guests/offboard/batch", methods=["POST"])
    async def offboard_guests(req: func.HttpRequest) -> func.HttpResponse:
        """Offboard many guests (HR syncs): 207 with one status per guest, or a problem document."""
        return await serve(req, deps, intake.receive_many, reply_for_bulk)

    return bp
