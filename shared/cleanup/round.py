"""One finished review round, in order: the checkpoint, the instance, its decisions, the mass-removal
guard, then what happens to each denied guest (``denied_guests``).

Idempotent by construction: the checkpoint is read first (a finished round costs one table read
and no Graph call), every decision is recomputed from Graph (a membership removed before a crash
shows as gone), and audit rows have stable keys. docs/operations.md describes the policy.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from msgraph.graph_service_client import GraphServiceClient

from shared.cleanup import audit, guard
from shared.cleanup import graph_calls as cleanup_graph
from shared.cleanup.decisions import DecisionTally
from shared.cleanup.denied_guests import RoundContext, dry_run_round, real_round
from shared.cleanup.deps import CleanupDeps
from shared.graph.review_instances import Phase, group_id_from_scope, phase
from shared.queue.message import CleanupMessage, InvalidCleanupMessage

log = logging.getLogger(__name__)


class RoundOutcome(StrEnum):
    DONE = "done"
    ALREADY_DONE = "already-done"  # checkpointed earlier: nothing read from Graph, nothing written
    DRY_RUN = "dry-run"
    GUARDED = "guarded"  # stopped by the mass-removal guard; a terminal record, not a failure


@dataclass(frozen=True)
class CleanupResult:
    instance_id: str
    group_id: str
    outcome: RoundOutcome
    decisions: Mapping[str, int] = field(default_factory=dict)  # {"total": D, "Deny": X, ...}
    actions: Mapping[str, int] = field(default_factory=dict)  # {"remove-membership:removed": n, ...}


async def clean_up_instance(deps: CleanupDeps, message: CleanupMessage) -> CleanupResult:
    """Process one round. Graph failures propagate (the queue retries the message)."""
    graph, settings, now = deps.graph, deps.settings, deps.clock()
    instance, group = message.instance_id, message.group_id
    if await deps.reviews.instance_done(instance):
        log.info("cleanup instance=%s group=%s: already done", instance, group)
        return CleanupResult(instance, group, RoundOutcome.ALREADY_DONE)
    status = await _finished_status(graph, message)
    tally = DecisionTally()
    async for page in cleanup_graph.decision_pages(graph, message):
        tally.add_page(page)
    existing = await deps.audit.audit_with_key_prefix(audit.prefix(instance))
    if guard.trips(settings, tally) and not guard.released(existing):
        await guard.stop(deps.audit, message, settings, tally, now)
        return CleanupResult(instance, group, RoundOutcome.GUARDED, tally.counts())
    context = RoundContext(deps, message, now, status)
    if settings.dry_run:
        actions = await dry_run_round(context, tally)
        outcome = RoundOutcome.DRY_RUN
    else:
        actions = await real_round(context, tally, existing)
        outcome = RoundOutcome.DONE
    log.info(
        "cleanup instance=%s group=%s: %s decisions=%d denied=%d actions=%s",
        instance,
        group,
        outcome,
        tally.total,
        tally.denials,
        actions,
    )
    return CleanupResult(instance, group, outcome, tally.counts(), actions)


async def _finished_status(graph: GraphServiceClient, message: CleanupMessage) -> str:
    """The instance's status, after checking that it reviews the message's group and has finished.

    A message naming another group would remove members of a group the review never covered.
    """
    instance = await cleanup_graph.read_instance(graph, message)
    scope = instance.get("scope") or {}
    group = group_id_from_scope(scope.get("query") if isinstance(scope, dict) else None)
    if group != message.group_id:
        raise InvalidCleanupMessage("groupId is not the group this instance reviews")
    status = str(instance.get("status") or "")
    if phase(status) is not Phase.FINISHED:
        raise InvalidCleanupMessage(f"the instance has not finished (status {status or 'missing'})")
    return status
