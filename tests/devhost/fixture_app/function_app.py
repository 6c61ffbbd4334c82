"""A small Function App for devhost's parity tests: one function per behaviour under test.

Every invocation appends one JSON line to the file named by ``DEVHOST_FIXTURE_RECORD`` so that
tests (in-process or across processes) can see what ran, with which metadata.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from typing import Any

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
_lock = threading.Lock()


def record(function: str, **data: Any) -> None:
    path = os.environ.get("DEVHOST_FIXTURE_RECORD")
    if path:
        with _lock, open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"function": function, **data}) + "\n")


@app.route(route="hello/{name}", methods=["GET", "POST"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    record("hello", method=req.method)
    echo = {
        "method": req.method,
        "url": req.url,
        "headers": dict(req.headers),
        "params": dict(req.params),
        "route_params": dict(req.route_params),
        "body": req.get_body().decode("utf-8"),
        "type": type(req).__module__ + "." + type(req).__name__,
    }
    return func.HttpResponse(
        json.dumps(echo), status_code=201, headers={"x-fixture": "yes"}, mimetype="application/json"
    )


@app.route(route="items/{id:int}/{label?}", methods=["GET"])
def items(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(dict(req.route_params)), mimetype="application/json")


@app.route(route="public", auth_level=func.AuthLevel.ANONYMOUS)
async def public(req: func.HttpRequest, context: func.Context) -> str:
    await asyncio.sleep(0)
    record("public", invocation_id=context.invocation_id, function_name=context.function_name)
    return "public ok"


@app.route(route="admin-only", auth_level=func.AuthLevel.ADMIN)
def admin_only(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("admin ok")


@app.route(route="broken/{how}", auth_level=func.AuthLevel.ANONYMOUS)
def broken(req: func.HttpRequest) -> func.HttpResponse:
    if req.route_params["how"] == "raise":
        raise RuntimeError("broken on purpose")
    return None  # type: ignore[return-value]  # the worker cannot encode None: the host answers 500


@app.timer_trigger(arg_name="timer", schedule="%TEST_SCHEDULE%", run_on_startup=False)
async def tick(timer: func.TimerRequest) -> None:
    record("tick", past_due=timer.past_due, type=type(timer).__module__ + "." + type(timer).__name__)


@app.queue_trigger(arg_name="msg", queue_name="%TEST_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="out", queue_name="%TEST_OUT_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage, out: func.Out[str]) -> None:
    """Fails for ``fail…`` bodies; ``slow…`` takes 0.3 s, ``sleep:<s>`` s seconds; ``echo…`` replies."""
    body = msg.get_body().decode("utf-8")
    started = time.monotonic()
    if body.startswith("slow"):
        time.sleep(0.3)
    elif body.startswith("sleep:"):
        time.sleep(float(body.removeprefix("sleep:")))
    record(
        "work",
        body=body,
        id=msg.id,
        dequeue_count=msg.dequeue_count,
        pop_receipt=msg.pop_receipt,
        insertion_time=msg.insertion_time.isoformat() if msg.insertion_time else None,
        expiration_time=msg.expiration_time.isoformat() if msg.expiration_time else None,
        time_next_visible=msg.time_next_visible.isoformat() if msg.time_next_visible else None,
        started=started,
        ended=time.monotonic(),
    )
    if body.startswith("fail"):
        raise ValueError("failing on purpose")
    if body.startswith("echo"):
        out.set(f"done:{body}")
