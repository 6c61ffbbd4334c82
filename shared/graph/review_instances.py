"""Reading access-review instances: which are finished, and which group each one reviews.

Graph documents instance statuses ``Initializing, NotStarted, Starting, InProgress, Completing,
Completed, AutoReviewing, AutoReviewed`` but its own examples return ``Applied``; unknown values
must not crash a run, so they are reported and skipped until they become recognisable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

FINISHED = frozenset({"completed", "autoreviewed", "applied", "applying"})
RUNNING = frozenset({"initializing", "notstarted", "starting", "inprogress", "completing", "autoreviewing"})
_GROUP_IN_SCOPE = re.compile(
    r"/groups/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/"
)


class Phase(Enum):
    FINISHED = "finished"
    RUNNING = "running"
    UNKNOWN = "unknown"


def phase(status: str | None) -> Phase:
    folded = (status or "").casefold()
    if folded in FINISHED or folded.startswith("appl"):
        return Phase.FINISHED
    if folded in RUNNING:
        return Phase.RUNNING
    return Phase.UNKNOWN


def group_id_from_scope(query: str | None) -> str | None:
    """The group id inside an instance's scope query (``/v1.0/groups/{id}/members/...`` or without /v1.0)."""
    match = _GROUP_IN_SCOPE.search(query or "")
    return match.group(1).lower() if match else None


@dataclass(frozen=True)
class InstanceRef:
    instance_id: str
    status: str
    group_id: str | None
    end: str | None

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> InstanceRef:
        scope = item.get("scope") or {}
        return cls(
            instance_id=str(item["id"]),
            status=str(item.get("status") or ""),
            group_id=group_id_from_scope(scope.get("query") if isinstance(scope, dict) else None),
            end=item.get("endDateTime"),
        )
