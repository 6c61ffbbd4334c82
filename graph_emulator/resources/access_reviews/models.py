"""Typed records of the access-review emulator: definitions, instances, stages, decision items.

A definition keeps its writable properties as the normalised JSON Graph echoes back (so a GET
returns what was stored, with server defaults filled in); instances, stages and decisions are
records whose JSON form depends on the API version and is built in ``render``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Json = dict[str, Any]

ZERO_ID = "00000000-0000-0000-0000-000000000000"

# Graph's own system identity on default decisions (beta tutorial: reviewedBy "AAD Access Reviews").
SYSTEM_IDENTITY: Json = {
    "id": ZERO_ID,
    "displayName": "AAD Access Reviews",
    "userPrincipalName": "AAD Access Reviews",
}
# What Graph shows for "nobody yet" on reviewedBy / appliedBy (list-decisions examples).
NOBODY: Json = {"id": ZERO_ID, "displayName": "", "userPrincipalName": ""}
# The calling application: emulator tokens carry application permissions and no user, so writes
# made through Graph (create, record, apply) are attributed to this service principal.
CALLER_APP: Json = {
    "id": "5e3ce6c0-2b1f-4285-8d4b-75ee78787346",
    "displayName": "Graph emulator client application",
    "userPrincipalName": "",
}

# Instance statuses the emulator emits (Graph also documents Initializing, Starting, Completing,
# AutoReviewing, AutoReviewed; its examples show Applied, which is outside that list).
NOT_STARTED = "NotStarted"
IN_PROGRESS = "InProgress"
COMPLETED = "Completed"
APPLIED = "Applied"

DECISIONS = ("Approve", "Deny", "NotReviewed", "DontKnow")
NOT_REVIEWED = "NotReviewed"

APPLY_NEW = "New"
APPLIED_OK = "AppliedSuccessfully"
APPLIED_NOT_FOUND = "AppliedSuccessfullyButObjectNotFound"
APPLY_NOT_SUPPORTED = "ApplyNotSupported"

REMOVE_ACCESS = "#microsoft.graph.removeAccessApplyAction"
DISABLE_AND_DELETE = "#microsoft.graph.disableAndDeleteUserApplyAction"
QUERY_SCOPE = "#microsoft.graph.accessReviewQueryScope"
INACTIVE_USERS_SCOPE = "#microsoft.graph.accessReviewInactiveUsersQueryScope"


@dataclass
class Definition:
    """An access review series (``accessReviewScheduleDefinition``)."""

    id: str
    body: Json  # normalised writable properties, camelCase, as Graph echoes them
    created: datetime
    modified: datetime
    created_by: Json
    started: int = 0  # occurrences started so far
    last_start: datetime | None = None

    @property
    def settings(self) -> Json:
        settings: Json = self.body["settings"]
        return settings


@dataclass
class Decision:
    """One principal's access in one instance (``accessReviewInstanceDecisionItem``).

    The principal's name and UPN are snapshotted at the instance's start, so a decision still
    reads the same after the guest is deleted.
    """

    id: str
    instance_id: str
    principal_id: str
    principal_name: str | None
    principal_upn: str
    recommendation: str
    reviewer_ids: list[str] = field(default_factory=list)  # who is asked to review it (not rendered)
    decision: str = NOT_REVIEWED
    from_recommendation: bool = False  # taken from the recommendation (moves on as "Recommendation")
    justification: str = ""
    reviewed_by: Json | None = None
    reviewed_at: datetime | None = None
    applied_by: Json | None = None
    applied_at: datetime | None = None
    apply_result: str = APPLY_NEW


@dataclass(frozen=True)
class Reviewer:
    """A user asked to review an instance (``accessReviewReviewer``), resolved when it starts."""

    id: str
    display_name: str | None
    user_principal_name: str
    contacted: datetime


@dataclass
class Stage:
    """One stage of a multi-stage instance (``accessReviewStage``), created when it starts.

    ``settings`` is the definition's ``accessReviewStageSettings`` entry it runs; ``decisions``
    holds one item per principal the stage reviews (every principal in the first stage, those
    whose decision moved on in later ones).
    """

    id: str
    settings: Json
    start: datetime
    end: datetime
    reviewers: list[Json]
    fallback_reviewers: list[Json]
    status: str = IN_PROGRESS
    decisions: dict[str, Decision] = field(default_factory=dict)


@dataclass
class Instance:
    """One occurrence of a series for one group (``accessReviewInstance``).

    ``settings``, ``reviewers``, ``fallback_reviewers`` and ``stage_settings`` are copied from the
    definition when the instance is created: a PUT on the definition only affects later instances.
    A multi-stage instance (``stage_settings`` not empty) keeps its stages in order; its own
    ``decisions`` then mirror the last decision recorded for each principal across the stages.
    """

    id: str
    definition_id: str
    group_id: str | None
    start: datetime
    end: datetime
    status: str
    scope: Json  # the instance's scope; its query names the group ("/groups/{id}/members...")
    versioned_scope: bool  # v1.0 shows the query with a "/v1.0" prefix (all-groups reviews)
    settings: Json
    reviewers: list[Json]
    fallback_reviewers: list[Json]
    stage_settings: list[Json] = field(default_factory=list)  # in the order the stages run
    stages: list[Stage] = field(default_factory=list)
    decisions: dict[str, Decision] = field(default_factory=dict)
    contacted_reviewers: list[Reviewer] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status in (COMPLETED, APPLIED)

    @property
    def current_stage(self) -> Stage | None:
        """The stage reviewers act in now (None between stages, before the start and after the end)."""
        return next((s for s in self.stages if s.status == IN_PROGRESS), None)
