"""Sweep a review definition: one cleanup message per finished instance not handed over yet.

Lists the instances (``$select``, pages of 100, JSON through the SDK's request builders), takes the
finished ones (``Completed``, ``Applied`` and the other finished states; an unknown status is
logged and skipped), drops those already enqueued or checkpointed by cleanup (at most two table
queries, none when nothing finished), sends the rest, and marks each one after sending it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from msgraph.graph_service_client import GraphServiceClient

from shared.graph.paging import list_all
from shared.graph.review_instances import InstanceRef, Phase, phase
from shared.queue.message import CleanupMessage
from shared.queue.sender import CleanupQueue
from shared.state import ReviewRecords

log = logging.getLogger(__name__)

INSTANCE_FIELDS = ["id", "status", "scope", "endDateTime"]
PAGE_SIZE = 100
ENQUEUE_CONCURRENCY = 8


@dataclass(frozen=True)
class SweepResult:
    definition_id: str
    listed: int = 0
    running: int = 0
    handled: int = 0  # finished, already enqueued or checkpointed by cleanup
    enqueued: tuple[str, ...] = ()  # instance ids sent now (in a dry run: that would be sent)
    unknown: tuple[str, ...] = ()  # instance ids with a status this version does not know
    no_group: tuple[str, ...] = ()  # finished, but no group id in the scope query
    drained: bool = False  # an ended series with nothing left to hand over
    dry_run: bool = False


def instances_request(graph: GraphServiceClient, definition_id: str) -> RequestInformation:
    definitions = graph.identity_governance.access_reviews.definitions
    builder = definitions.by_access_review_schedule_definition_id(definition_id).instances
    query = builder.InstancesRequestBuilderGetQueryParameters(select=INSTANCE_FIELDS, top=PAGE_SIZE)
    return builder.to_get_request_information(RequestConfiguration(query_parameters=query))


async def sweep(
    graph: GraphServiceClient,
    reviews: ReviewRecords,
    queue: CleanupQueue,
    definition_id: str,
    *,
    now: dt.datetime,
    ended: bool = False,
    dry_run: bool = False,
) -> SweepResult:
    """Enqueue the finished, unhandled instances of one definition; ``ended`` series may drain."""
    refs = [InstanceRef.from_json(i) for i in await list_all(graph, instances_request(graph, definition_id))]
    finished, running, unknown = _classify(refs, definition_id)
    todo = await _unhandled(reviews, definition_id, finished)
    no_group = tuple(r.instance_id for r in todo if r.group_id is None)
    for ident in no_group:
        log.warning("instance %s of definition %s: no group id in its scope, skipped", ident, definition_id)
    todo = [r for r in todo if r.group_id is not None]
    if not dry_run:
        await _enqueue(reviews, queue, definition_id, todo, now)
    drained = ended and not running and not unknown
    if drained and not dry_run:
        await reviews.mark_drained(definition_id, at=now)
    return _logged(
        SweepResult(
            definition_id,
            listed=len(refs),
            running=running,
            handled=len(finished) - len(todo) - len(no_group),
            enqueued=tuple(r.instance_id for r in todo),
            unknown=unknown,
            no_group=no_group,
            drained=drained,
            dry_run=dry_run,
        )
    )


def _classify(refs: list[InstanceRef], definition_id: str) -> tuple[list[InstanceRef], int, tuple[str, ...]]:
    """Finished instances, the number running, and the ids with an unknown status (logged)."""
    phases = [(r, phase(r.status)) for r in refs]
    for ref, found in phases:
        if found is Phase.UNKNOWN:
            log.warning(
                "instance %s of definition %s: unknown status %r, skipped",
                ref.instance_id,
                definition_id,
                ref.status,
            )
    finished = [r for r, found in phases if found is Phase.FINISHED]
    running = sum(1 for _, found in phases if found is Phase.RUNNING)
    return finished, running, tuple(r.instance_id for r, found in phases if found is Phase.UNKNOWN)


def _logged(result: SweepResult) -> SweepResult:
    log.info(
        "governance: definition %s swept%s: %d instances, %d running, %d handled before, %d enqueued%s",
        result.definition_id,
        " [dry run]" if result.dry_run else "",
        result.listed,
        result.running,
        result.handled,
        len(result.enqueued),
        ", drained" if result.drained else "",
    )
    return result


async def _unhandled(
    reviews: ReviewRecords, definition_id: str, finished: list[InstanceRef]
) -> list[InstanceRef]:
    """Finished instances neither enqueued nor checkpointed: at most two table queries (none when
    nothing finished; the second only when something is new)."""
    if not finished:
        return []
    enqueued = await reviews.enqueued_instances(definition_id)
    todo = [r for r in finished if r.instance_id not in enqueued]
    if todo:
        done = await reviews.done_instances()
        todo = [r for r in todo if r.instance_id not in done]
    return todo


async def _enqueue(
    reviews: ReviewRecords, queue: CleanupQueue, definition_id: str, todo: list[InstanceRef], now: dt.datetime
) -> None:
    """Send, then mark: a crash in between re-sends one message next time (cleanup is idempotent)."""
    gate = asyncio.Semaphore(ENQUEUE_CONCURRENCY)

    async def one(ref: InstanceRef) -> None:
        assert ref.group_id is not None
        async with gate:
            await queue.send(CleanupMessage(definition_id, ref.instance_id, ref.group_id))
            await reviews.mark_enqueued(
                ref.instance_id, definition_id=definition_id, group_id=ref.group_id, at=now
            )
            log.info(
                "enqueued cleanup of instance %s (definition %s, group %s)",
                ref.instance_id,
                definition_id,
                ref.group_id,
            )

    await asyncio.gather(*(one(r) for r in todo))
