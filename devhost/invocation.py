"""Call one function the way the Python worker does, and log it the way the host does.

Async functions run on the host's event loop; sync functions run in a thread pool sized like the
worker's (``PYTHON_THREADPOOL_THREAD_COUNT``), so a slow sync function never blocks the loop.
Output values are encoded with azure-functions' own converters, the ones the worker uses, so a
function that returns something the worker could not send fails here as it would there.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func
from azure.functions import _abc as func_abc
from azure.functions import meta
from azure.functions.http import HttpResponseConverter
from azure.functions.queue import QueueMessageOutConverter

from devhost.indexing import IndexedFunction

log = logging.getLogger("devhost")

# Writes non-HTTP output bindings (queue messages) once the function has succeeded.
OutputSink = Callable[[IndexedFunction, list[tuple[dict[str, Any], meta.Datum]]], Awaitable[None]]
_CONVERTERS: dict[str, type[HttpResponseConverter] | type[QueueMessageOutConverter]] = {
    "http": HttpResponseConverter,
    "queue": QueueMessageOutConverter,
}


@dataclass
class InvocationResult:
    """What happened; kept (without payloads) in ``DevHost.invocations`` for tests and demos."""

    function: str
    invocation_id: str
    trigger: str
    succeeded: bool = False
    duration_ms: float = 0.0
    http_response: meta.Datum | None = None
    error: BaseException | None = field(default=None, repr=False)

    @property
    def outcome(self) -> str:
        return "Succeeded" if self.succeeded else "Failed"


class _Out(func.Out[Any]):
    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


class _TraceContext(func_abc.TraceContext):
    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _Context(func.Context):
    def __init__(self, invocation_id: str, function_name: str, directory: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._directory = directory
        self._local = threading.local()
        self._local.invocation_id = invocation_id

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._directory

    @property
    def trace_context(self) -> func_abc.TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> Any:
        return None


def encode_output(binding_type: str, value: Any) -> meta.Datum:
    """Encode with the worker's converter; unsupported values fail with the worker's message."""
    converter = _CONVERTERS[binding_type]
    try:
        datum = converter.encode(value, expected_type=None)
    except NotImplementedError:
        raise TypeError(
            f'unable to encode outgoing TypedData: unsupported type "{binding_type}" '
            f'for Python type "{type(value).__name__}"'
        ) from None
    return datum


def _convert_input(annotation: Any, value: Any) -> Any:
    """``str``/``bytes`` annotations get the raw payload, as the worker's generic binding does."""
    if annotation is str and isinstance(value, func.QueueMessage):
        return value.get_body().decode("utf-8")
    if annotation is bytes and isinstance(value, func.QueueMessage):
        return value.get_body()
    return value


class Invoker:
    def __init__(self, *, function_directory: str, timeout: float | None, write_outputs: OutputSink) -> None:
        threads = os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT")
        self._executor = ThreadPoolExecutor(
            max_workers=int(threads) if threads else None, thread_name_prefix="devhost-worker"
        )
        self._directory = function_directory
        self._timeout = timeout
        self._write_outputs = write_outputs
        self.history: deque[InvocationResult] = deque(maxlen=1000)

    def close(self) -> None:
        """Invocations are over by now; a sync function past its timeout keeps its thread (not joined)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def invoke(self, fn: IndexedFunction, trigger_value: Any, *, reason: str) -> InvocationResult:
        result = InvocationResult(fn.name, str(uuid.uuid4()), fn.trigger_type)
        log.info("Executing 'Functions.%s' (Reason='%s', Id=%s)", fn.name, reason, result.invocation_id)
        started = time.perf_counter()
        try:
            result.http_response = await self._call(fn, trigger_value, result.invocation_id)
            result.succeeded = True
        except Exception as exc:
            result.error = exc
        result.duration_ms = (time.perf_counter() - started) * 1000
        self.history.append(result)
        if result.succeeded:
            log.info(
                "Executed 'Functions.%s' (Succeeded, Id=%s, Trigger=%s, Duration=%.0fms)",
                fn.name, result.invocation_id, fn.trigger_type, result.duration_ms,
            )  # fmt: skip
        else:
            log.error(
                "Executed 'Functions.%s' (Failed, Id=%s, Trigger=%s, Duration=%.0fms) %s: %s",
                fn.name, result.invocation_id, fn.trigger_type, result.duration_ms,
                type(result.error).__name__, result.error,
                exc_info=result.error,
            )  # fmt: skip
        return result

    async def _call(self, fn: IndexedFunction, trigger_value: Any, invocation_id: str) -> meta.Datum | None:
        kwargs: dict[str, Any] = {
            fn.trigger_param: _convert_input(fn.input_types.get(fn.trigger_param), trigger_value)
        }
        outs = {name: _Out() for name in fn.outputs}
        kwargs.update(outs)
        if fn.requires_context:
            kwargs["context"] = _Context(invocation_id, fn.name, self._directory)
        if fn.is_async:
            call: Awaitable[Any] = fn.user_function(**kwargs)
        else:
            ctx = contextvars.copy_context()
            target = functools.partial(ctx.run, fn.user_function, **kwargs)
            call = asyncio.get_running_loop().run_in_executor(self._executor, target)
        try:
            value = await asyncio.wait_for(call, self._timeout)
        except TimeoutError:
            raise TimeoutError(
                f"Timeout value of {self._timeout:.0f}s exceeded by function 'Functions.{fn.name}' "
                f"(Id: '{invocation_id}'). Initiating cancellation."
            ) from None
        produced = [(fn.outputs[name], out.get()) for name, out in outs.items() if out.get() is not None]
        if fn.return_binding is not None:
            produced.append((fn.return_binding, value))
        encoded = [(binding, encode_output(binding["type"], v)) for binding, v in produced]
        await self._write_outputs(fn, [(b, d) for b, d in encoded if b["type"] != "http"])
        return next((d for b, d in encoded if b["type"] == "http"), None)
