"""Keep the quarterly guest review in place: one live definition of ours, matching the policy.

``ensure_definition`` finds our definition (Graph filters neither on ``displayName`` nor on the
scope of an inactive-guests review: every definition is listed, and the name and the ``./members``
scope are matched on the client), and creates it, replaces it (PUT, the full object) when a
managed property drifted, or starts a new series when the old one ended or its scope, reviewers or
stages must change (Graph does not PUT them: the old series is ended by PUT with an end date, as
Graph documents for stopping a series, or deleted if it never started).

Reads are JSON through the SDK's request builders (``raw.send_json``): no typed deserialisation of
lists. docs/governance.md has the rules.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import Forbidden, GraphFailure
from shared.governance.definition import GUEST_REVIEW_SCOPE_MARKER, ReviewPolicy, build_definition, to_json
from shared.governance.drift import drift, needs_new_series
from shared.governance.schedule import on_cadence, series_start
from shared.graph.paging import list_all
from shared.graph.raw import send_json

log = logging.getLogger(__name__)

START_KEY = "settings.recurrence.range.startDate"
PAGE_SIZE = 100
READ_ONLY = frozenset(
    {"id", "createdBy", "createdDateTime", "lastModifiedDateTime", "status", "backupReviewers"}
)


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
    definition_id: str | None  # None in a dry run that would create one, or when creating failed
    drifted: tuple[str, ...] = ()  # managed properties that differed (names only, never values)
    previous: tuple[Series, ...] = ()  # other series of ours: swept until drained
    sweep_current: bool = True  # False when the current series cannot have finished instances yet
    dry_run: bool = False
    error: GraphFailure | None = field(default=None, compare=False)  # a write Graph refused


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# -- ensure ------------------------------------------------------------------------------------------


async def find_series(graph: GraphServiceClient, display_name: str) -> list[Series]:
    """Our definitions: all-groups guest reviews named ``display_name``, matched on the client.

    The documented ``contains(scope/microsoft.graph.accessReviewQueryScope/query, './members')``
    filter never matches an ``accessReviewInactiveUsersQueryScope`` (the list page: ``$filter`` "isn't
    supported" on it), and a series of either kind must be found to be kept or ended.
    """
    builder = graph.identity_governance.access_reviews.definitions
    query = builder.DefinitionsRequestBuilderGetQueryParameters(top=PAGE_SIZE)
    request = builder.to_get_request_information(RequestConfiguration(query_parameters=query))
    return [Series.from_json(i) for i in await list_all(graph, request) if _ours(i, display_name)]


def _ours(item: dict[str, Any], display_name: str) -> bool:
    scope = item.get("scope")
    query = str(scope.get("query") or "") if isinstance(scope, dict) else ""
    return item.get("displayName") == display_name and query.startswith(GUEST_REVIEW_SCOPE_MARKER)


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
    """Make Graph hold one live definition matching ``policy``; a single GET when it already does.

    A write Graph refuses is reported in ``error`` rather than raised (a missing permission is
    raised): the pass still sweeps the series that exist, and fails at its end.
    """
    current, others = choose(await find_series(graph, policy.display_name), today)
    if current is None:
        outcome = Outcome.RECREATED if others else Outcome.CREATED
        result = EnsureResult(outcome, None, previous=others, sweep_current=False, dry_run=dry_run)
        return await _attempt(result, _create(graph, policy, today, dry_run))
    desired = desired_definition(policy, today, current)
    drifted = tuple(drift(to_json(desired), current.body, compare_start=True))
    if not drifted:
        return _logged(EnsureResult(Outcome.UNCHANGED, current.id, (), others, current.started, dry_run))
    if needs_new_series(list(drifted)) or (START_KEY in drifted and current.started):
        previous = (*others, current) if current.started else others
        result = EnsureResult(Outcome.RECREATED, None, drifted, previous, False, dry_run)
        return await _attempt(result, _renew(graph, policy, current, today, dry_run))
    result = EnsureResult(Outcome.UPDATED, current.id, drifted, others, current.started, dry_run)
    return await _attempt(result, _replace(graph, current.id, desired, dry_run))


async def _attempt(result: EnsureResult, write: Awaitable[str | None]) -> EnsureResult:
    try:
        new_id = await write
    except Forbidden:
        raise
    except GraphFailure as exc:
        log.error("governance: %s refused: Graph %s %s", result.outcome.value, exc.status, exc.code)
        return _logged(replace(result, error=exc))
    return _logged(replace(result, definition_id=new_id or result.definition_id))


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


async def _replace(
    graph: GraphServiceClient, definition_id: str, desired: AccessReviewScheduleDefinition, dry_run: bool
) -> None:
    if not dry_run:
        item = graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id
        await send_json(graph, item(definition_id).to_put_request_information(desired))


async def _renew(
    graph: GraphServiceClient, policy: ReviewPolicy, current: Series, today: dt.date, dry_run: bool
) -> str | None:
    if not dry_run:
        await _retire(graph, current, today)
    return await _create(graph, policy, today, dry_run)


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
