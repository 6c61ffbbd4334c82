"""One governance pass: ensure the review definition, sweep finished rounds, delete expired guests,
remind and expire invitations never redeemed.

The timer calls ``run_pass`` once a day. Each step is idempotent, so a pass that fails half-way is
completed by the next one. A pass with nothing to do only finds the definition and lists its
instances, and writes nothing (tests/shared/governance/test_run.py asserts the budget); with
``GOVERNANCE_DRY_RUN`` it reads what it needs and reports what it would do, writing nothing to
Graph, the queue or the state table.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from shared.governance.deps import GovernanceDeps
from shared.governance.ensure import EnsureResult, ensure_definition
from shared.governance.grace import GraceResult, delete_expired_guests
from shared.governance.invitations import InvitationsResult, handle_pending_invitations
from shared.governance.sweep import SweepResult, sweep

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GovernanceReport:
    dry_run: bool
    definition: EnsureResult
    sweeps: tuple[SweepResult, ...]
    grace: GraceResult
    invitations: InvitationsResult
    purged_webhook_claims: int = 0

    @property
    def enqueued(self) -> tuple[str, ...]:
        return tuple(i for s in self.sweeps for i in s.enqueued)

    def summary(self) -> dict[str, Any]:
        """Ids and counts only: what the run log and the admin need, no names or addresses."""
        return {
            "dryRun": self.dry_run,
            "definitionId": self.definition.definition_id,
            "outcome": self.definition.outcome.value,
            "drifted": list(self.definition.drifted),
            "swept": [s.definition_id for s in self.sweeps],
            "enqueued": list(self.enqueued),
            "unknownStatus": [i for s in self.sweeps for i in s.unknown],
            "graceCandidates": self.grace.candidates,
            "deleted": list(self.grace.deleted),
            "kept": list(self.grace.kept),
            "deleteFailed": list(self.grace.failed),
            "pendingInvitations": self.invitations.pending,
            "reminded": list(self.invitations.reminded),
            "invitationsExpired": list(self.invitations.expired),
            "invitationsKept": list(self.invitations.kept),
            "invitationFailures": [*self.invitations.remind_failed, *self.invitations.expire_failed],
            "purgedWebhookClaims": self.purged_webhook_claims,
        }


async def run_pass(deps: GovernanceDeps) -> GovernanceReport:
    """One pass: ensure the definition, sweep its series, grace deletions, pending invitations, forget
    old webhook ids."""
    settings, graph, reviews, queue = deps.settings, deps.graph, deps.reviews, deps.queue
    dry_run, now = settings.dry_run, deps.clock()
    today = now.astimezone(dt.UTC).date()
    ensured = await ensure_definition(graph, settings.policy, today=today, dry_run=dry_run)
    sweeps: list[SweepResult] = []
    if ensured.definition_id is not None and ensured.sweep_current:
        sweeps.append(await sweep(graph, reviews, queue, ensured.definition_id, now=now, dry_run=dry_run))
    if ensured.previous:
        drained = await reviews.drained_definitions()
        for series in ensured.previous:
            if series.id not in drained:  # an old series: its last rounds still go to cleanup
                ended = series.ended(today)
                sweeps.append(
                    await sweep(graph, reviews, queue, series.id, now=now, ended=ended, dry_run=dry_run)
                )
    grace = await delete_expired_guests(
        graph,
        deps.disabled,
        deps.audit,
        now=now,
        grace_days=settings.grace_days,
        dry_run=dry_run,
        retry=deps.retry,
        outcomes=deps.outcomes,
    )
    invitations = await handle_pending_invitations(deps, now=now, dry_run=dry_run)
    purged = 0
    if deps.webhook_retention is not None and not dry_run:
        purged = await deps.claims.purge_webhook_claims(older_than=now - deps.webhook_retention)
    report = GovernanceReport(dry_run, ensured, tuple(sweeps), grace, invitations, purged)
    log.info("governance pass done: %s", report.summary())
    if ensured.error is not None:
        raise ensured.error  # after sweeping and deleting: the refused write fails the invocation
    return report
