"""What each scenario asks of both sides: the guests to onboard, the shape of the review round.

Plain data with no heavy imports: the worker process of either side imports this, and its peak
RSS must only count the stack that side brings along.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

CLOCK_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Microsoft 365 groups of the emulator's default seed (graph_emulator/default_seed.json).
FEELGOOD = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"
RETAIL = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"
SALES = "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e"
ONBOARDING_GROUPS = (FEELGOOD, RETAIL, SALES)
MEGAN = "1c2b3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e"  # an internal user: owner (reviewer) of the reviewed group
ADMIN = "c9a5aff7-9298-4d71-adab-0a222e0a05e4"  # the seed's administrator: fallback reviewer
# Cleanup: the reviewed Microsoft 365 group, and a security group that some denied guests keep.
REVIEWED_GROUP = "b0000000-0000-4000-8000-000000000001"
OTHER_GROUP = "b0000000-0000-4000-8000-000000000002"
REDIRECT_URL = "https://myapps.microsoft.com"

INVITATION_LIMIT = 150  # Graph: invitations per window per tenant
INVITATION_WINDOW_S = 5.0


@dataclass(frozen=True)
class GuestSpec:
    email: str
    display_name: str
    groups: tuple[str, ...]

    def payload(self) -> dict[str, object]:
        """The guest as the HR system posts it (docs/openapi.yaml)."""
        return {"email": self.email, "displayName": self.display_name, "groups": list(self.groups)}


def guest_specs(count: int) -> list[GuestSpec]:
    """``count`` new guests; guest ``i`` joins 1, 2 or 3 groups (``i % 3 + 1``), rotated: 2 on average."""
    groups = ONBOARDING_GROUPS
    return [
        GuestSpec(
            email=f"bench{i:05d}@partner.example",
            display_name=f"Bench Guest {i}",
            groups=tuple(groups[(i + k) % len(groups)] for k in range(i % 3 + 1)),
        )
        for i in range(count)
    ]


def throttling_floor(count: int, limit: int = INVITATION_LIMIT, window: float = INVITATION_WINDOW_S) -> float:
    """The least wall time Graph's invitation limit allows for ``count`` invitations, in seconds.

    A sliding window admits ``limit`` invitations in any ``window`` seconds. The first ``limit`` go
    at t = 0; invitation ``k`` (0-based) cannot be admitted before ``floor(k / limit) * window``,
    so the last one waits ``(ceil(count / limit) - 1) * window``. Round trips come on top.
    """
    if count <= 0:
        return 0.0
    return (math.ceil(count / limit) - 1) * window


@dataclass(frozen=True)
class CleanupShape:
    """A round of ``decisions`` guests, ``denied`` of them denied (spread evenly); every
    ``keep_every``-th denied guest is also in another group, so it loses the reviewed group but
    keeps its account. The rest of the decisions: Approve, and every tenth NotReviewed."""

    decisions: int
    denied: int
    keep_every: int = 4

    @property
    def kept(self) -> int:
        return len(range(0, self.denied, self.keep_every))

    @property
    def disabled(self) -> int:
        return self.denied - self.kept
