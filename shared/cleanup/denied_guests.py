"""What happens to a denied guest, once the guard has let the round through: real run and dry run.

Each denied guest loses its membership if it is still there (auto-apply off, or the apply failed);
a guest then left with no group is disabled and recorded with the date, so that a later governance
run deletes it after the grace period. Approved and unreviewed guests are never touched, and guests
with other groups keep their account.

Requests, each ``$batch`` of up to 20 items: look-ups (groups and user facts); removals of members
still present; a second groups read only for guests just removed that had other groups (so that two
rounds running at the same time cannot both keep a guest who loses its last two groups); disables.
tests/shared/cleanup/test_budget.py asserts the request budget. What was done is audited, then
published for HR (``outcomes``), before the round's checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.cleanup import audit
from shared.cleanup import graph_calls as cleanup_graph
from shared.cleanup.audit import Action, Outcome
from shared.cleanup.decisions import DecisionTally
from shared.cleanup.deps import CleanupDeps
from shared.cleanup.outcomes import review_outcomes
from shared.errors import GraphFailure
from shared.graph import guest_access
from shared.graph.guest_access import AccountVerdict, GuestFacts, account_verdict
from shared.outcomes import publish_all
from shared.queue.message import CleanupMessage
from shared.state import AuditRecord


@dataclass(frozen=True)
class RoundContext:
    deps: CleanupDeps
    message: CleanupMessage
    now: datetime
    status: str  # the instance's status, read before the decisions

    @property
    def group_id(self) -> str:
        return self.message.group_id

    @property
    def applies_decisions(self) -> bool:
        """applyDecisions mode on a Completed instance (auto-apply off): Graph removes the members."""
        return self.deps.settings.removal_mode == "applyDecisions" and self.status.casefold() == "completed"

    def guest(
        self, guest_id: str, action: Action, outcome: Outcome, detail: str | None = None
    ) -> AuditRecord:
        return audit.guest_record(
            self.message,
            guest_id,
            action,
            outcome,
            self.now,
            detail=detail,
            dry_run=self.deps.settings.dry_run,
        )

    def round(self, action: Action, outcome: Outcome, name: str, detail: str | None = None) -> AuditRecord:
        return audit.round_record(
            self.message, action, outcome, self.now, name, detail=detail, dry_run=self.deps.settings.dry_run
        )


def account_kept(fact: GuestFacts, group_id: str) -> tuple[Outcome, str | None] | None:
    """Why a denied guest's account stays as it is (outcome, detail); None: it is to be disabled.

    ``shared.graph.guest_access.account_verdict`` for the reviewed group, in cleanup's audit words.
    """
    verdict, detail = account_verdict(fact, {group_id})
    return None if verdict is AccountVerdict.DISABLE else (Outcome(verdict.value), detail)


async def dry_run_round(ctx: RoundContext, tally: DecisionTally) -> dict[str, int]:
    """Read-only: audit what a real run would change (outcome ``dry-run``); no checkpoint."""
    records: list[AuditRecord] = []
    if ctx.applies_decisions:
        records.append(ctx.round(Action.APPLY, Outcome.DRY_RUN, "apply", "would call applyDecisions"))
    facts = await guest_access.look_up(ctx.deps.graph, tally.denied, ctx.deps.retry)
    for guest_id, fact in facts.items():
        if fact.in_group(ctx.group_id):
            records.append(ctx.guest(guest_id, Action.REMOVE, Outcome.DRY_RUN, "would remove"))
        if account_kept(fact, ctx.group_id) is None:
            records.append(ctx.guest(guest_id, Action.ACCOUNT, Outcome.DRY_RUN, "would disable"))
    actions = audit.tally(records)
    summary = ctx.round(
        Action.ROUND, Outcome.DRY_RUN, "round", audit.summary_detail(ctx.message, tally.counts(), actions)
    )
    await ctx.deps.audit.record_audit_once([*records, summary], replace=True)
    return actions


async def real_round(
    ctx: RoundContext, tally: DecisionTally, existing: Sequence[AuditRecord]
) -> dict[str, int]:
    """Apply the denials; record every action, the denials, the summary and finally the checkpoint."""
    records: list[AuditRecord] = []
    failures: list[GraphFailure] = []
    applied = await _apply_decisions(ctx, records)
    facts = await guest_access.look_up(ctx.deps.graph, tally.denied, ctx.deps.retry) if tally.denied else {}
    removed = await _remove(ctx, tally, facts, records, failures, applied)
    facts |= await _recheck(ctx, facts, removed)
    await _accounts(ctx, facts, records, failures)
    known = {r.key for r in existing}
    await ctx.deps.audit.record_audit_once([r for r in records if r.key not in known])
    await publish_all(ctx.deps.outcomes, review_outcomes(ctx.message, records, ctx.now))
    if failures:
        raise failures[0]  # recorded what succeeded; the retry redoes only the rest
    instance = ctx.message.instance_id
    await ctx.deps.denials.record_denials(
        {g: d.reviewed_at or ctx.now for g, d in tally.denied.items()}, instance
    )
    effective = {r.key: r for r in records} | {r.key: r for r in existing if "-dryrun-" not in (r.key or "")}
    actions = audit.tally(effective.values())
    detail = audit.summary_detail(ctx.message, tally.counts(), actions)
    await ctx.deps.audit.record_audit_once([ctx.round(Action.ROUND, Outcome.DONE, "round", detail)])
    summary = {"GroupId": ctx.group_id, "DefinitionId": ctx.message.definition_id, "Decisions": tally.total}
    summary |= {"Denied": tally.denials, "Actions": detail}
    await ctx.deps.reviews.mark_instance_done(ctx.message.instance_id, at=ctx.now, summary=summary)
    return actions


async def _apply_decisions(ctx: RoundContext, records: list[AuditRecord]) -> bool:
    """applyDecisions once, in that mode; the look-ups that follow show what Graph removed."""
    if ctx.deps.settings.removal_mode != "applyDecisions":
        return False
    if not ctx.applies_decisions:
        detail = f"instance status {ctx.status}: members are removed one by one"
        records.append(ctx.round(Action.APPLY, Outcome.NOT_APPLICABLE, "apply", detail))
        return False
    await cleanup_graph.apply_decisions(ctx.deps.graph, ctx.message)
    records.append(ctx.round(Action.APPLY, Outcome.APPLIED, "apply"))
    return True


async def _remove(
    ctx: RoundContext,
    tally: DecisionTally,
    facts: dict[str, GuestFacts],
    records: list[AuditRecord],
    failures: list[GraphFailure],
    applied: bool,
) -> set[str]:
    """Remove denied guests still in the group; return those removed now (204)."""
    present = [g for g, f in facts.items() if f.in_group(ctx.group_id)]
    results = (
        await cleanup_graph.remove_members(ctx.deps.graph, ctx.group_id, present, ctx.deps.retry)
        if present
        else {}
    )
    removed: set[str] = set()
    for guest_id, fact in list(facts.items()):
        result = results.get(guest_id)
        if isinstance(result, GraphFailure):
            failures.append(result)
            del facts[guest_id]  # its account is decided on the retry, once the membership is gone
        elif result is not None and result != 404:  # 204 No Content
            removed.add(guest_id)
            detail = "still a member after applyDecisions" if applied else None
            records.append(ctx.guest(guest_id, Action.REMOVE, Outcome.REMOVED, detail))
        elif not fact.found:
            records.append(ctx.guest(guest_id, Action.REMOVE, Outcome.USER_NOT_FOUND))
        else:
            result_of_apply = tally.denied[guest_id].apply_result
            detail = "by applyDecisions" if applied else result_of_apply and f"applyResult {result_of_apply}"
            records.append(ctx.guest(guest_id, Action.REMOVE, Outcome.ALREADY_REMOVED, detail))
    return removed


async def _recheck(
    ctx: RoundContext, facts: dict[str, GuestFacts], removed: set[str]
) -> dict[str, GuestFacts]:
    """Re-read the groups of guests just removed that had others: a parallel round may have removed those."""
    again = [g for g in removed if facts[g].other_groups({ctx.group_id})]
    if not again:
        return {}
    fresh = await guest_access.look_up(ctx.deps.graph, again, ctx.deps.retry, with_user=False)
    return {g: GuestFacts(g, fresh[g].groups, facts[g].user_type, facts[g].enabled) for g in again}


async def _accounts(
    ctx: RoundContext, facts: dict[str, GuestFacts], records: list[AuditRecord], failures: list[GraphFailure]
) -> None:
    """Disable guests left with no group; keep the others; remember who was disabled and when."""
    to_disable: list[str] = []
    already: list[str] = []
    for guest_id, fact in facts.items():
        kept = account_kept(fact, ctx.group_id)
        if kept is None:
            to_disable.append(guest_id)
            continue
        outcome, detail = kept
        if outcome is Outcome.ALREADY_DISABLED:
            already.append(guest_id)
        records.append(ctx.guest(guest_id, Action.ACCOUNT, outcome, detail))
    results = (
        await guest_access.disable_accounts(ctx.deps.graph, to_disable, ctx.deps.retry) if to_disable else {}
    )
    for guest_id, result in results.items():
        if isinstance(result, GraphFailure):
            failures.append(result)
        elif result == 404:
            records.append(ctx.guest(guest_id, Action.ACCOUNT, Outcome.USER_NOT_FOUND))
        else:
            already.append(guest_id)
            records.append(ctx.guest(guest_id, Action.ACCOUNT, Outcome.DISABLED))
    instance = ctx.message.instance_id
    await ctx.deps.disabled.record_disabled_many(already, instance_id=instance, at=ctx.now)
