"""HTTP trigger for the audit: ``GET /api/audit?guest=...`` or ``?round=...``.

A thin adapter, as the onboarding triggers are: the query parameters in, ``reading.answer`` with
the audit's dependencies, its ``Reply`` or the error's problem document out. The contract is
docs/openapi.yaml; the auth level (function key) is the app's default, set in function_app.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import azure.functions as func

from shared.auditing import reading
from shared.auditing.deps import AuditingDeps
from shared.webhooks.problems import reply_for_error

log = logging.getLogger("guestkeeper.http")


def blueprint(deps: Callable[[], AuditingDeps]) -> func.Blueprint:
    """The HTTP function; ``deps`` is asked on each invocation (the worker builds them once)."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions leaves __init__ unannotated

    @bp.route(route="audit", methods=["GET"])
    async def read_audit(req: func.HttpRequest) -> func.HttpResponse:
        """A guest's or a review round's audit records: 200 JSON, or a problem document."""
        try:
            reply = await reading.answer(deps(), dict(req.params))
        except Exception as exc:  # the edge: every error becomes a problem document
            reply = reply_for_error(exc)
            log.info("read_audit answered %s %s", reply.status, reply.body["type"].rsplit("/", 1)[-1])
        return func.HttpResponse(
            reply.encoded(), status_code=reply.status, headers=reply.headers, mimetype=reply.media_type
        )

    return bp
