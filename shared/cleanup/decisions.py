"""A round's decisions as counts plus the denied guests.

Pages arrive as parsed JSON; each item costs a few dictionary reads (no typed models). Only the
principal's object id is kept: the decision's display name and UPN are never read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

USER_IDENTITY = "#microsoft.graph.userIdentity"
DECISIONS = {"approve": "Approve", "deny": "Deny", "notreviewed": "NotReviewed", "dontknow": "DontKnow"}


@dataclass(frozen=True, slots=True)
class Denial:
    guest_id: str
    reviewed_at: datetime | None  # when the reviewer (or the default decision) denied
    apply_result: str | None  # Graph's applyResult, e.g. AppliedSuccessfully after auto-apply


@dataclass
class DecisionTally:
    total: int = 0
    by_decision: Counter[str] = field(default_factory=Counter)
    denied: dict[str, Denial] = field(default_factory=dict)  # guest id -> its denial, in list order

    @property
    def denials(self) -> int:
        return self.by_decision["Deny"]

    def add_page(self, items: list[Any]) -> None:
        for item in items:
            raw = str(item.get("decision") or "NotReviewed")
            decision = DECISIONS.get(raw.casefold(), raw)
            self.total += 1
            self.by_decision[decision] += 1
            if decision != "Deny":
                continue
            principal = item.get("principal") or {}
            guest_id = str(principal.get("id") or "").lower()
            if guest_id and principal.get("@odata.type", USER_IDENTITY) == USER_IDENTITY:
                self.denied.setdefault(
                    guest_id, Denial(guest_id, _when(item.get("reviewedDateTime")), item.get("applyResult"))
                )

    def counts(self) -> dict[str, int]:
        return {"total": self.total, **dict(sorted(self.by_decision.items()))}


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.year >= 2000 and when.tzinfo is not None else None  # not 0001-01-01
