"""The edge of every signed HR endpoint: ``func.HttpRequest`` in, ``func.HttpResponse`` out.

The trigger hands over the flow's dependencies, one intake coroutine and the renderer of its
result; every error becomes a problem document here, so no endpoint can answer differently.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import azure.functions as func

from shared.webhooks.envelope import Delivery
from shared.webhooks.problems import Reply, reply_for_error

log = logging.getLogger("guestkeeper.http")
D = TypeVar("D")
R = TypeVar("R")


async def serve(
    req: func.HttpRequest,
    deps: Callable[[], D],
    receive: Callable[[D, Delivery], Awaitable[R]],
    render: Callable[[R], Reply],
) -> func.HttpResponse:
    """Run ``receive`` on the request and answer with its rendered result or a problem document."""
    try:
        result = await receive(deps(), Delivery.of(req.get_body(), dict(req.headers)))
        reply = render(result)
    except Exception as exc:  # the edge: every error becomes a problem document
        reply = reply_for_error(exc)
        log.info("%s answered %s %s", receive.__name__, reply.status, reply.body["type"].rsplit("/", 1)[-1])
    return func.HttpResponse(
        reply.encoded(), status_code=reply.status, headers=reply.headers, mimetype=reply.media_type
    )
