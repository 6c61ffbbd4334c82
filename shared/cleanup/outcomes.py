"""Cleanup's terminal outcomes, published for HR: a guest removed by the review, a guest disabled.

Read off the round's audit rows: a denied guest no longer in the group (``removed`` now, or
``already-removed`` by the review's own apply or an earlier run) was removed by the review; one left
with no group was ``disabled`` (or found ``already-disabled``: a run cut off after its PATCH records
it so). The source is the review instance, so a re-run of the round publishes the same webhook ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.cleanup.audit import Action, Outcome
from shared.outcomes import Outcome as GuestOutcome
from shared.outcomes import OutcomeKind
from shared.queue.message import CleanupMessage
from shared.state import AuditRecord

KINDS = {
    (Action.REMOVE, Outcome.REMOVED): OutcomeKind.REMOVED_BY_REVIEW,
    (Action.REMOVE, Outcome.ALREADY_REMOVED): OutcomeKind.REMOVED_BY_REVIEW,
    (Action.ACCOUNT, Outcome.DISABLED): OutcomeKind.DISABLED,
    (Action.ACCOUNT, Outcome.ALREADY_DISABLED): OutcomeKind.DISABLED,
}


def review_outcomes(
    message: CleanupMessage, records: Iterable[AuditRecord], at: datetime
) -> list[GuestOutcome]:
    found = []
    for record in records:
        kind = KINDS.get((Action(record.action), Outcome(record.outcome)))
        if kind is None or record.guest_id is None:
            continue
        data = {"groupId": message.group_id, "instanceId": message.instance_id}
        found.append(
            GuestOutcome(kind, at, f"review:{message.instance_id}", user_id=record.guest_id, data=data)
        )
    return found
