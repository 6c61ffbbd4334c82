"""Publishing outcomes: onto the HR callback queue, or nowhere when no HR callback URL is set."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Protocol

from shared.outcomes.outcome import Outcome
from shared.queue.sender import Encodable

log = logging.getLogger(__name__)
CONCURRENCY = 8


class OutcomePublisher(Protocol):
    async def publish(self, outcome: Outcome) -> None: ...


class MessageSender(Protocol):
    async def send(self, message: Encodable) -> None: ...


class NoOutcomes:
    """``HR_CALLBACK_URL`` is unset: nothing is enqueued."""

    async def publish(self, outcome: Outcome) -> None:
        return None


NO_OUTCOMES = NoOutcomes()


class QueuedOutcomes:
    """Each outcome becomes one message on the HR callback queue (created on the first one)."""

    def __init__(self, queue: MessageSender) -> None:
        self._queue = queue

    async def publish(self, outcome: Outcome) -> None:
        message = outcome.message()
        await self._queue.send(message)
        log.info(
            "outcome %s of guest %s enqueued as %s", outcome.kind.value, outcome.user_id, message.webhook_id
        )


async def publish_all(publisher: OutcomePublisher, outcomes: Iterable[Outcome]) -> None:
    """Publish several outcomes, a few at a time; the first failure is raised (a retry republishes,
    and the stable webhook ids let HR drop what it already received)."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(outcome: Outcome) -> None:
        async with gate:
            await publisher.publish(outcome)

    await asyncio.gather(*(one(o) for o in outcomes))
