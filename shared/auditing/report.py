"""A review round for auditors, put together: what the state table recorded and what Graph knows.

The audit records say what Guestkeeper did (removals, disables, grace deletions, the guard); Graph
says who was reviewed, each decision and its reviewer (``round_facts``). The definition's id comes
from the round's summary or guard record, or from the governance sweep's hand-over to cleanup.
``report_html`` renders it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from msgraph.graph_service_client import GraphServiceClient

from shared.auditing.lookup import round_records
from shared.auditing.round_facts import RoundFacts, read_round
from shared.errors import NothingRecorded
from shared.graph.batch import RetryPolicy
from shared.state import AuditRecord, AuditTrail, EnqueuedRound, ReviewRecords


@dataclass(frozen=True)
class RoundReport:
    instance_id: str
    definition_id: str | None
    group_id: str | None
    enqueued: EnqueuedRound | None  # when the governance sweep handed the round to cleanup
    facts: RoundFacts | None  # None: Graph no longer has the round, or its definition is unknown
    records: list[AuditRecord]
    generated_at: datetime


async def gather_report(
    trail: AuditTrail,
    reviews: ReviewRecords,
    graph: GraphServiceClient,
    instance_id: str,
    *,
    now: datetime,
    retry: RetryPolicy | None = None,
) -> RoundReport:
    """Everything about one round; ``NothingRecorded`` when Guestkeeper never saw it."""
    records = await round_records(trail, instance_id)
    enqueued = await reviews.enqueued_round(instance_id)
    if not records and enqueued is None:
        raise NothingRecorded(f"Guestkeeper has no record of review round {instance_id}.")
    definition_id = _definition_id(records) or (enqueued.definition_id if enqueued else None)
    group_id = next((r.group_id for r in records if r.group_id), enqueued.group_id if enqueued else None)
    facts = None
    if definition_id is not None:
        facts = await read_round(graph, definition_id, instance_id, group_id, retry=retry)
    return RoundReport(instance_id, definition_id, group_id, enqueued, facts, records, now)


def _definition_id(records: list[AuditRecord]) -> str | None:
    """The ``definitionId`` a round's summary or guard record carries in its JSON detail."""
    for record in records:
        if record.detail and record.detail.startswith("{"):
            try:
                found = json.loads(record.detail).get("definitionId")
            except (ValueError, AttributeError):
                continue
            if isinstance(found, str) and found:
                return found
    return None
