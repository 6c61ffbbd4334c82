"""Queue trigger listener with the storage extension's semantics (``QueueListener``/``QueueProcessor``).

- Poll: fetch up to ``batchSize`` messages under a 10-minute lease (renewed at half-time while the
  function runs); fetch again as soon as in-flight work drops to ``newBatchThreshold``; when the
  queue is empty, back off randomly and exponentially from 100 ms up to ``maxPollingInterval``.
- Per message: if ``dequeue_count`` already exceeds ``maxDequeueCount``, or the text does not decode
  under ``messageEncoding``, move it to ``<queue>-poison`` without invoking. Otherwise invoke; on
  success delete; on failure poison it once ``dequeue_count >= maxDequeueCount``, else make it
  visible again after ``visibilityTimeout``.
- The poison copy is the message text as received, so it stays in the producer's encoding.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from azure.core.exceptions import AzureError
from azure.functions.queue import QueueMessage as FunctionQueueMessage
from azure.storage.queue import QueueMessage
from azure.storage.queue.aio import QueueClient

from devhost.hostconfig import QueuesOptions
from devhost.storage import MessageDecodingError, decode_message, ensure_queue, send_creating_queue

log = logging.getLogger("devhost")

MIN_POLLING_INTERVAL = 0.1
DEFAULT_LEASE_SECONDS = 600.0

# Runs the function for one message; True when the invocation succeeded.
MessageHandler = Callable[[FunctionQueueMessage], Awaitable[bool]]


class Backoff:
    """The host's ``RandomizedExponentialBackoffStrategy`` (±20 % jitter, doubling increments)."""

    def __init__(self, minimum: float, maximum: float, rng: random.Random | None = None) -> None:
        self._min = minimum
        self._max = max(maximum, minimum)
        self._rng = rng or random.Random()  # noqa: S311 - polling jitter, not cryptography
        self._current = minimum
        self._exponent = 0

    def next_delay(self, found_messages: bool) -> float:
        if found_messages:
            self._current, self._exponent = self._min, 1
        elif self._current != self._max:
            delay = self._min
            if self._exponent > 0:
                delay += self._rng.uniform(0.8, 1.2) * 2 ** (self._exponent - 1) * self._min
            if delay < self._max:
                self._current, self._exponent = delay, self._exponent + 1
            else:
                self._current = self._max
        return self._current


def function_message(
    *,
    id: str,
    body: bytes,
    dequeue_count: int,
    expiration_time: datetime | None,
    insertion_time: datetime | None,
    time_next_visible: datetime | None,
    pop_receipt: str | None,
) -> FunctionQueueMessage:
    """The ``QueueMessage`` the worker builds from the host's trigger metadata."""
    return FunctionQueueMessage(  # type: ignore[no-untyped-call]
        id=id,
        body=body,
        dequeue_count=dequeue_count,
        expiration_time=expiration_time,
        insertion_time=insertion_time,
        time_next_visible=time_next_visible,
        pop_receipt=pop_receipt,
    )


class _Lease:
    """The current pop receipt of a message being processed (renewals replace it)."""

    def __init__(self, message: QueueMessage) -> None:
        self.message = message
        self.pop_receipt: str | None = message.pop_receipt


class QueueListener:
    def __init__(
        self,
        *,
        function_name: str,
        queue: QueueClient,
        poison: QueueClient,
        options: QueuesOptions,
        handler: MessageHandler,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self.function_name = function_name
        self._queue = queue
        self._poison = poison
        self._options = options
        self._handler = handler
        self._lease_seconds = lease_seconds
        self._backoff = Backoff(MIN_POLLING_INTERVAL, options.max_polling_interval, rng)
        self._processing: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def queue_name(self) -> str:
        return str(self._queue.queue_name)

    async def start(self) -> None:
        await ensure_queue(self._queue)
        self._task = asyncio.create_task(self._poll(), name=f"devhost-queue-{self.queue_name}")

    async def stop(self) -> None:
        """Stop polling, then let messages already handed to the function finish."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._processing:
            await asyncio.gather(*self._processing, return_exceptions=True)

    async def _poll(self) -> None:
        found_since_delay = False
        while True:
            batch = await self._receive()
            if not batch:
                await asyncio.sleep(self._backoff.next_delay(found_since_delay))
                found_since_delay = False
                continue
            found_since_delay = True
            for message in batch:
                task = asyncio.create_task(self._process(message))
                self._processing.add(task)
                task.add_done_callback(self._processing.discard)
            while len(self._processing) > self._options.new_batch_threshold:
                await asyncio.wait(set(self._processing), return_when=asyncio.FIRST_COMPLETED)

    async def _receive(self) -> list[QueueMessage]:
        try:
            pages = self._queue.receive_messages(
                messages_per_page=self._options.batch_size,
                max_messages=self._options.batch_size,
                visibility_timeout=int(self._lease_seconds),
            ).by_page()
            async for page in pages:
                return [message async for message in page]
        except AzureError as exc:  # Azurite down, queue deleted: back off and retry, like the host
            log.warning("Polling queue '%s' failed: %s", self.queue_name, type(exc).__name__)
        return []

    async def _process(self, message: QueueMessage) -> None:
        lease = _Lease(message)
        try:
            if (message.dequeue_count or 1) > self._options.max_dequeue_count:
                await self._move_to_poison(lease)
                return
            try:
                body = decode_message(message.content or "", self._options.message_encoding)
            except MessageDecodingError as exc:
                log.warning(
                    "Message '%s' on queue '%s' could not be decoded as %s: %s",
                    message.id, self.queue_name, self._options.message_encoding, exc,
                )  # fmt: skip
                await self._move_to_poison(lease)
                return
            succeeded = await self._invoke_with_lease(lease, body)
            if succeeded:
                await self._queue.delete_message(message.id, lease.pop_receipt)
            elif (message.dequeue_count or 1) >= self._options.max_dequeue_count:
                await self._move_to_poison(lease)
            else:
                await self._release(lease)
        except AzureError as exc:
            log.error("Completing message '%s' on queue '%s' failed: %s", message.id, self.queue_name, exc)

    async def _invoke_with_lease(self, lease: _Lease, body: bytes) -> bool:
        message = lease.message
        trigger = function_message(
            id=message.id,
            body=body,
            dequeue_count=message.dequeue_count or 1,
            expiration_time=message.expires_on,
            insertion_time=message.inserted_on,
            time_next_visible=message.next_visible_on,
            pop_receipt=message.pop_receipt,
        )
        renewer = asyncio.create_task(self._renew(lease))
        try:
            return await self._handler(trigger)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def _renew(self, lease: _Lease) -> None:
        """Keep the message invisible while the function runs (``UpdateQueueMessageVisibilityCommand``)."""
        while True:
            await asyncio.sleep(self._lease_seconds / 2)
            try:
                updated: Any = await self._queue.update_message(
                    lease.message.id, lease.pop_receipt, visibility_timeout=int(self._lease_seconds)
                )
                lease.pop_receipt = updated.pop_receipt
            except AzureError as exc:
                log.warning("Renewing the lease of message '%s' failed: %s", lease.message.id, exc)

    async def _release(self, lease: _Lease) -> None:
        await self._queue.update_message(
            lease.message.id, lease.pop_receipt, visibility_timeout=int(self._options.visibility_timeout)
        )

    async def _move_to_poison(self, lease: _Lease) -> None:
        log.warning(
            "Message has reached MaxDequeueCount of %d. Moving message to queue '%s'.",
            self._options.max_dequeue_count, self._poison.queue_name,
        )  # fmt: skip
        await send_creating_queue(self._poison, lease.message.content or "")
        await self._queue.delete_message(lease.message.id, lease.pop_receipt)
