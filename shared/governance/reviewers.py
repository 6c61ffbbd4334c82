"""Who reviews the guests: group owners, or each guest's sponsors, in one stage or two.

Pure: builds the SDK's reviewer scopes and stage settings. ``./owners`` is the reviewers concept
page's form for reviews of all groups. Graph v1.0 documents the reviewer scope type ``sponsor``
(``scopeType`` on accessReviewReviewerScope) but no query for it; the relative ``./sponsors`` with
``queryRoot: decisions`` follows the documented ``./manager`` form (docs/governance.md says what
this means for a real tenant). A guest without a sponsor is reviewed by the fallback reviewers,
so the group's owners head that list, before the configured ones. Two stages are the sponsors
first, then the owners for the guests the sponsors approved or left unreviewed (a denial is
final); Graph caps the stages' total at one recurrence.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass

from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.access_review_reviewer_scope_type import AccessReviewReviewerScopeType
from msgraph.generated.models.access_review_stage_settings import AccessReviewStageSettings

REVIEWER_KINDS = ("owners", "sponsors")
STAGE_COUNTS = (1, 2)
# What the sponsors' stage hands on to the owners; a sponsor's Deny (or DontKnow) is final.
MOVES_TO_OWNERS = ["Approve", "NotReviewed"]


@dataclass(frozen=True)
class Assignment:
    """The definition's reviewer properties; ``stages`` replaces the other two when present."""

    reviewers: list[AccessReviewReviewerScope] | None
    fallback_reviewers: list[AccessReviewReviewerScope] | None
    stages: list[AccessReviewStageSettings] | None = None


def graph_query(query: str) -> AccessReviewReviewerScope:
    return AccessReviewReviewerScope(query=query, query_type="MicrosoftGraph")


def owners() -> AccessReviewReviewerScope:
    return graph_query("./owners")


def sponsors() -> AccessReviewReviewerScope:
    return AccessReviewReviewerScope(
        query="./sponsors",
        query_type="MicrosoftGraph",
        query_root="decisions",
        scope_type=AccessReviewReviewerScopeType.Sponsor,
    )


def assign(
    kind: str,
    stages: int,
    fallback_queries: Sequence[str],
    *,
    stage_days: tuple[int, int],
    recommendations: bool,
) -> Assignment:
    """The reviewer properties for ``kind`` (``owners`` or ``sponsors``) in ``stages`` stages."""
    configured = [graph_query(q) for q in fallback_queries]
    if kind == "owners":
        return Assignment([owners()], configured)
    behind_sponsors = [owners(), *configured]  # for a guest without a sponsor
    if stages == 1:
        return Assignment([sponsors()], behind_sponsors)
    first = AccessReviewStageSettings(
        stage_id="1",
        duration_in_days=stage_days[0],
        recommendations_enabled=recommendations,
        decisions_that_will_move_to_next_stage=list(MOVES_TO_OWNERS),
        reviewers=[sponsors()],
        fallback_reviewers=behind_sponsors,
    )
    second = AccessReviewStageSettings(
        stage_id="2",
        depends_on=["1"],
        duration_in_days=stage_days[1],
        recommendations_enabled=recommendations,
        reviewers=[owners()],
        fallback_reviewers=configured,
    )
    return Assignment(None, None, [first, second])


def one_recurrence_days(recurrence_type: str, interval: int) -> int:
    """The shortest time between two rounds: the stages' total may not exceed it (stage settings page:
    "Can't exceed the length of one recurrence"). Monthly: the shortest run of ``interval`` months."""
    if recurrence_type == "weekly":
        return 7 * interval
    lengths = [calendar.monthrange(2026, m)[1] for m in range(1, 13)]  # a common year: February has 28
    return min(sum(lengths[(start + k) % 12] for k in range(interval)) for start in range(12))
