"""Operations on the stages of a multi-stage instance (``accessReviewStage``), named after the
Graph operations: get, update (reviewers), stop, and the reviewers' decisions in one stage.

Rules from the v1.0 pages: a stage is updated only while it runs ("its status must be NotStarted,
Initializing, or InProgress"; the emulator's stages exist only once they run), and only its
``reviewers`` and ``fallbackReviewers``; removing a fallback reviewer is a 409 Conflict. Stopping
a stage completes it and opens the next one; stopping the last stage ends the instance as its
``stop`` does. Recording, accepting recommendations and batch decisions act on the stage's own
items, while it is in progress.
"""

from __future__ import annotations

from graph_emulator.errors import Conflict, ResourceNotFound

from . import lifecycle, stages
from .decisions import accept_recommendations, record, select
from .fields import reviewers
from .models import CALLER_APP, IN_PROGRESS, Decision, Instance, Json, Stage
from .scopes import invalid
from .store import ReviewStore

_UPDATABLE = ("reviewers", "fallbackReviewers", "@odata.type")


def _require_running(stage: Stage, what: str) -> None:
    if stage.status != IN_PROGRESS:
        raise invalid(f"{what} while the access review stage is InProgress; it is {stage.status}.")


class StageOperations(ReviewStore):
    def get_stage(self, definition_id: str, instance_id: str, stage_id: str) -> tuple[Instance, Stage]:
        instance = self.get_instance(definition_id, instance_id)
        stage = next((s for s in instance.stages if s.id == stage_id), None)
        if stage is None:
            raise ResourceNotFound(stage_id)
        return instance, stage

    def update_stage(self, definition_id: str, instance_id: str, stage_id: str, body: Json) -> Stage:
        """New reviewers are asked at once: the stage's items get them, and they are contacted."""
        instance, stage = self.get_stage(definition_id, instance_id, stage_id)
        if any(key not in _UPDATABLE for key in body):
            raise invalid("Only the reviewers and fallbackReviewers of a stage can be updated.")
        _require_running(stage, "An access review stage can only be updated")
        primary = reviewers(body["reviewers"], "reviewers") if "reviewers" in body else stage.reviewers
        fallback = stage.fallback_reviewers
        if "fallbackReviewers" in body:
            fallback = reviewers(body["fallbackReviewers"], "fallbackReviewers")
            kept = {s["query"] for s in fallback}
            if any(s["query"] not in kept for s in stage.fallback_reviewers):
                raise Conflict(
                    "Existing fallbackReviewers of an access review stage cannot be removed.", code="Conflict"
                )
        stage.reviewers, stage.fallback_reviewers = primary, fallback
        stages.ask_reviewers(self, instance, stage, self.now)
        return stage

    def stop_stage(self, definition_id: str, instance_id: str, stage_id: str) -> None:
        instance, stage = self.get_stage(definition_id, instance_id, stage_id)
        _require_running(stage, "Only an InProgress access review stage can be stopped")
        if len(instance.stages) == len(instance.stage_settings):  # the last stage: the instance ends
            instance.end = self.now
            lifecycle.complete(self, instance, self.now)
        else:
            stages.end_stage(self, instance, stage, self.now)

    def get_stage_decision(
        self, definition_id: str, instance_id: str, stage_id: str, decision_id: str
    ) -> Decision:
        _, stage = self.get_stage(definition_id, instance_id, stage_id)
        item = stage.decisions.get(decision_id)
        if item is None:
            raise ResourceNotFound(decision_id)
        return item

    def update_stage_decision(
        self, definition_id: str, instance_id: str, stage_id: str, decision_id: str, body: Json
    ) -> None:
        instance, stage = self.get_stage(definition_id, instance_id, stage_id)
        item = self.get_stage_decision(definition_id, instance_id, stage_id, decision_id)
        _require_running(stage, "Decisions can only be recorded")
        record(instance, [item], body.get("decision"), body.get("justification"), CALLER_APP, self.now)

    def accept_stage_recommendations(self, definition_id: str, instance_id: str, stage_id: str) -> None:
        instance, stage = self.get_stage(definition_id, instance_id, stage_id)
        _require_running(stage, "Recommendations can only be accepted")
        accept_recommendations(instance, list(stage.decisions.values()), CALLER_APP, self.now)

    def batch_record_stage_decisions(
        self, definition_id: str, instance_id: str, stage_id: str, body: Json
    ) -> None:
        instance, stage = self.get_stage(definition_id, instance_id, stage_id)
        _require_running(stage, "Decisions can only be recorded")
        items = list(stage.decisions.values())
        items = select(instance, items, body.get("principalId"), body.get("resourceId"))
        record(instance, items, body.get("decision"), body.get("justification"), CALLER_APP, self.now)
