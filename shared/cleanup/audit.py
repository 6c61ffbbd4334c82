"""Cleanup's audit trail: one keyed row per action, a summary per round, what each word means.

Every row of a round has a stable key ``cleanup-{instance}-...``, written once (the first write
wins), so a re-run after a crash adds only what the first run did not record and never duplicates.
Dry runs write under their own keys and overwrite each other: a later real run is unaffected.
Rows carry object ids, decisions and outcomes only; never names or addresses.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum

from shared.queue.message import CleanupMessage
from shared.state import AuditRecord

KEY_PREFIX = "cleanup-"


class Action(StrEnum):
    REMOVE = "remove-membership"
    ACCOUNT = "disable-account"
    APPLY = "apply-decisions"
    GUARD = "mass-removal-guard"
    GUARD_RELEASE = "guard-release"
    ROUND = "round-summary"
    FAILED = "message-failed"
    REQUEUE = "requeue"  # an operator sent the round to the queue again (python -m shared.audit)


class Outcome(StrEnum):
    REMOVED = "removed"
    ALREADY_REMOVED = "already-removed"  # by the review's own apply, or a previous run
    DISABLED = "disabled"
    ALREADY_DISABLED = "already-disabled"
    KEPT_OTHER_GROUPS = "kept-other-groups"  # the account stays: the guest has other groups
    KEPT_NOT_GUEST = "kept-not-guest"  # the principal is no longer a guest: never disabled
    USER_NOT_FOUND = "user-not-found"  # the user was deleted: nothing left to do
    APPLIED = "applied"
    NOT_APPLICABLE = "not-applicable"  # applyDecisions mode, but the instance is not Completed
    DRY_RUN = "dry-run"
    STOPPED = "stopped"
    RELEASED = "released"
    DONE = "done"
    POISONED = "poisoned"  # the last allowed delivery failed: the message goes to <queue>-poison
    INVALID = "invalid"  # the message can never succeed


def prefix(instance_id: str) -> str:
    return f"{KEY_PREFIX}{instance_id}-"


def key(instance_id: str, *parts: str, dry_run: bool = False) -> str:
    """``cleanup-{instance}-[dryrun-]{parts}``: row keys allow object ids and these words."""
    return prefix(instance_id) + ("dryrun-" if dry_run else "") + "-".join(parts)


def guest_record(
    message: CleanupMessage,
    guest_id: str,
    action: Action,
    outcome: Outcome,
    at: datetime,
    *,
    detail: str | None = None,
    dry_run: bool = False,
) -> AuditRecord:
    """One action on one denied guest; the decision is always Deny (only denials cause actions)."""
    part = "remove" if action is Action.REMOVE else "account"
    return AuditRecord(
        action=action,
        outcome=outcome,
        at=at,
        guest_id=guest_id,
        group_id=message.group_id,
        instance_id=message.instance_id,
        detail=detail,
        decision="Deny",
        key=key(message.instance_id, guest_id, part, dry_run=dry_run),
    )


def round_record(
    message: CleanupMessage,
    action: Action,
    outcome: Outcome,
    at: datetime,
    name: str,
    *,
    detail: str | None = None,
    dry_run: bool = False,
) -> AuditRecord:
    """A record about the round as a whole (apply, guard, summary, failure)."""
    return AuditRecord(
        action=action,
        outcome=outcome,
        at=at,
        group_id=message.group_id,
        instance_id=message.instance_id,
        detail=detail,
        key=key(message.instance_id, name, dry_run=dry_run),
    )


def tally(records: Iterable[AuditRecord]) -> dict[str, int]:
    """Counts of guest actions as ``{"remove-membership:removed": n, ...}`` (for summaries and tests)."""
    counts = Counter(f"{r.action}:{r.outcome}" for r in records if r.guest_id is not None)
    return dict(sorted(counts.items()))


def summary_detail(message: CleanupMessage, decisions: Mapping[str, int], actions: Mapping[str, int]) -> str:
    """The summary row's detail: compact JSON an operator can read in a table viewer."""
    body = {"definitionId": message.definition_id, "decisions": dict(decisions), "actions": dict(actions)}
    return json.dumps(body, separators=(",", ":"))
