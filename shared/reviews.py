"""Keep the quarterly guest review in place, and hand each finished round to the cleanup queue.

``ensure_definition`` finds our definition (Graph cannot filter on ``displayName``: the documented
``contains(scope/...query, './members')`` filter, then the name on the client), and creates it,
replaces it (PUT, the full object) when a managed property drifted, or starts a new series when the
old one ended or its scope must change (scopes cannot be PUT: the old series is ended by PUT with
an end date, as Graph documents for stopping a series, or deleted if it never started).

``sweep`` lists a definition's instances and enqueues one message per finished instance that is
neither enqueued nor checkpointed by cleanup yet. Reads are JSON through the SDK's request builders
(``raw.send_json``): no typed deserialisation of lists. docs/governance.md has the rules.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.graph_service_client import GraphServiceClient

from shared.cleanup_message import CleanupMessage
from shared.graph.paging import list_all
from shared.graph.raw import send_json
from shared.queueing import CleanupQueue
from shared.review_definition import (
    GUEST_REVIEW_SCOPE_MARKER,
    ReviewPolicy,
    build_definition,
    drift,
    needs_new_series,
    to_json,
)
from shared.review_instances import InstanceRef, Phase, phase
from shared.review_schedule import on_cadence, series_start
from shared.state import StateStore

log = logging.getLogger(__name__)

SCOPE_FILTER = f"contains(scope/microsoft.graph.accessReviewQueryScope/query, '{GUEST_REVIEW_SCOPE_MARKER}')"
START_KEY = "settings.recurrence.range.startDate"
INSTANCE_FIELDS = ["id", "status", "scope", "endDateTime"]
PAGE_SIZE = 100
READ_ONLY = frozenset(
    {"id", "createdBy", "createdDateTime", "lastModifiedDateTime", "status", "backupReviewers"}
)
ENQUEUE_CONCURRENCY = 8


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    RECREATED = "recreated"  # a new series replaced one that ended (or had to end for a scope change)


@dataclass(frozen=True)
class Series:
    """One definition of ours, as Graph returned it."""

    id: str
    status: str
    created: dt.datetime
    body: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Series:
        created = str(item.get("createdDateTime") or "1970-01-01T00:00:00Z")
        return cls(str(item["id"]), str(item.get("status") or ""), _instant(created), item)

    @property
    def started(self) -> bool:
        return self.status.casefold() != "notstarted"

    def _range_date(self, key: str) -> dt.date | None:
        rng = ((self.body.get("settings") or {}).get("recurrence") or {}).get("range") or {}
        value = rng.get(key)
        return dt.date.fromisoformat(str(value)[:10]) if value else None

    @property
    def start_date(self) -> dt.date | None:
        return self._range_date("startDate")

    def ended(self, today: dt.date) -> bool:
        """Completed, or its recurrence range ended before today."""
        end = self._range_date("endDate")
        return self.status.casefold() == "completed" or (end is not None and end < today)


@dataclass(frozen=True)
class EnsureResult:
    outcome: Outcome
    definition_id: str | None  # None only in a dry run that would create one
    drifted: tuple[str, ...] = ()  # managed properties that differed (names only, never values)
    previous: tuple[Series, ...] = ()  # other series of ours: swept until drained
    sweep_current: bool = True  # False when the current series cannot have finished instances yet
    dry_run: bool = False


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# -- ensure ------------------------------------------------------------------------------------------


async def find_series(graph: GraphServiceClient, display_name: str) -> list[Series]:
    """Our definitions: all-groups guest reviews (server filter) named ``display_name`` (client)."""
    builder = graph.identity_governance.access_reviews.definitions
    query = builder.DefinitionsRequestBuilderGetQueryParameters(filter=SCOPE_FILTER, top=PAGE_SIZE)
    request = builder.to_get_request_information(RequestConfiguration(query_parameters=query))
    return [
        Series.from_json(i) for i in await list_all(graph, request) if i.get("displayName") == display_name
    ]


def choose(found: Sequence[Series], today: dt.date) -> tuple[Series | None, tuple[Series, ...]]:
    """The live series (the newest when several are), and the others."""
    current = max((s for s in found if not s.ended(today)), key=lambda s: s.created, default=None)
    return current, tuple(s for s in found if s is not current)


def desired_definition(
    policy: ReviewPolicy, today: dt.date, current: Series | None
) -> AccessReviewScheduleDefinition:
    """The full object to send; an existing series keeps its start date while it is on cadence."""
    start = current.start_date if current is not None else None
    if start is None or not on_cadence(policy, start):
        start = series_start(policy, today)
    return build_definition(replace(policy, start_date=start), today=today)


async def ensure_definition(
    graph: GraphServiceClient, policy: ReviewPolicy, *, today: dt.date, dry_run: bool = False
) -> EnsureResult:
    """Make Graph hold exactly one live definition matching ``policy``; one GET when it already does."""
    current, others = choose(await find_series(graph, policy.display_name), today)
    if current is None:
        outcome = Outcome.RECREATED if others else Outcome.CREATED
        new_id = await _create(graph, policy, today, dry_run)
        return _logged(EnsureResult(outcome, new_id, previous=others, sweep_current=False, dry_run=dry_run))
    desired = desired_definition(policy, today, current)
    drifted = tuple(drift(to_json(desired), current.body, compare_start=True))
    if not drifted:
        return _logged(EnsureResult(Outcome.UNCHANGED, current.id, (), others, current.started, dry_run))
    if needs_new_series(list(drifted)) or (START_KEY in drifted and current.started):
        if not dry_run:
            await _retire(graph, current, today)
        new_id = await _create(graph, policy, today, dry_run)
        previous = (*others, current) if current.started else others
        return _logged(EnsureResult(Outcome.RECREATED, new_id, drifted, previous, False, dry_run))
    if not dry_run:
        item = graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id
        await send_json(graph, item(current.id).to_put_request_information(desired))
    return _logged(EnsureResult(Outcome.UPDATED, current.id, drifted, others, current.started, dry_run))


async def _create(
    graph: GraphServiceClient, policy: ReviewPolicy, today: dt.date, dry_run: bool
) -> str | None:
    if dry_run:
        return None
    body = desired_definition(policy, today, None)
    created = await send_json(
        graph, graph.identity_governance.access_reviews.definitions.to_post_request_information(body)
    )
    return str(created["id"])


async def _retire(graph: GraphServiceClient, series: Series, today: dt.date) -> None:
    """End a series: delete it if no round ever started, else PUT it back with an end date (today)."""
    item = graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
        series.id
    )
    if not series.started:
        await send_json(graph, item.to_delete_request_information())
        return
    body = {
        k: v for k, v in copy.deepcopy(series.body).items() if k not in READ_ONLY and not k.startswith("@")
    }
    recurrence = (body.get("settings") or {}).get("recurrence") or {}
    if not recurrence.get("pattern"):
        return  # a one-time review ends by itself
    end = max(today, series.start_date or today)
    recurrence["range"] = {**(recurrence.get("range") or {}), "type": "endDate", "endDate": end.isoformat()}
    # The stored JSON is sent as is: parsing it into the SDK model would rewrite ISO durations
    # (recommendationLookBackDuration) as Python's str(timedelta), which Graph refuses.
    request = item.to_put_request_information(AccessReviewScheduleDefinition())
    request.content = json.dumps(body).encode()
    await send_json(graph, request)


def _logged(result: EnsureResult) -> EnsureResult:
    log.info(
        "governance: definition %s %s%s (drifted: %s; previous series: %s)",
        result.definition_id or "(new)",
        result.outcome.value,
        " [dry run]" if result.dry_run else "",
        ", ".join(result.drifted) or "none",
        ", ".join(s.id for s in result.previous) or "none",
    )
    return result


# -- sweep ---------------------------------------------------------------------------------------------


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
    store: StateStore,
    queue: CleanupQueue,
    definition_id: str,
    *,
    now: dt.datetime,
    ended: bool = False,
    dry_run: bool = False,
) -> SweepResult:
    """Enqueue the finished, unhandled instances of one definition; ``ended`` series may drain."""
    refs = [InstanceRef.from_json(i) for i in await list_all(graph, instances_request(graph, definition_id))]
    phases = {r.instance_id: phase(r.status) for r in refs}
    finished = [r for r in refs if phases[r.instance_id] is Phase.FINISHED]
    unknown = tuple(r.instance_id for r in refs if phases[r.instance_id] is Phase.UNKNOWN)
    for ref in refs:
        if phases[ref.instance_id] is Phase.UNKNOWN:
            log.warning(
                "instance %s of definition %s: unknown status %r, skipped",
                ref.instance_id,
                definition_id,
                ref.status,
            )
    todo = await _unhandled(store, definition_id, finished)
    no_group = tuple(r.instance_id for r in todo if r.group_id is None)
    for ident in no_group:
        log.warning("instance %s of definition %s: no group id in its scope, skipped", ident, definition_id)
    todo = [r for r in todo if r.group_id is not None]
    if not dry_run:
        await _enqueue(store, queue, definition_id, todo, now)
    running = sum(1 for p in phases.values() if p is Phase.RUNNING)
    drained = ended and not running and not unknown
    if drained and not dry_run:
        await store.mark_drained(definition_id, at=now)
    result = SweepResult(
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
    log.info(
        "governance: definition %s swept%s: %d instances, %d running, %d handled before, %d enqueued%s",
        definition_id,
        " [dry run]" if dry_run else "",
        result.listed,
        running,
        result.handled,
        len(result.enqueued),
        ", drained" if drained else "",
    )
    return result


async def _unhandled(store: StateStore, definition_id: str, finished: list[InstanceRef]) -> list[InstanceRef]:
    """Finished instances neither enqueued nor checkpointed: at most two table queries, none if idle."""
    if not finished:
        return []
    enqueued = await store.enqueued_instances(definition_id)
    todo = [r for r in finished if r.instance_id not in enqueued]
    if todo:
        done = await store.done_instances()
        todo = [r for r in todo if r.instance_id not in done]
    return todo


async def _enqueue(
    store: StateStore, queue: CleanupQueue, definition_id: str, todo: list[InstanceRef], now: dt.datetime
) -> None:
    """Send, then mark: a crash in between re-sends one message next time (cleanup is idempotent)."""
    gate = asyncio.Semaphore(ENQUEUE_CONCURRENCY)

    async def one(ref: InstanceRef) -> None:
        assert ref.group_id is not None
        async with gate:
            await queue.send(CleanupMessage(definition_id, ref.instance_id, ref.group_id))
            await store.mark_enqueued(
                ref.instance_id, definition_id=definition_id, group_id=ref.group_id, at=now
            )
            log.info(
                "enqueued cleanup of instance %s (definition %s, group %s)",
                ref.instance_id,
                definition_id,
                ref.group_id,
            )

    await asyncio.gather(*(one(r) for r in todo))
