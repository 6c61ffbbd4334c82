"""The access-review backend: definitions, instances and decisions of one tenant, and their rules.

No HTTP here: methods are named after the Graph operations, raise ``GraphError`` subclasses, and
are called by the handlers and the control plane. The records live in the ``ReviewStore`` this
class extends (through ``StageOperations``, the operations on stages), which the clock-driven
``lifecycle`` acts on too. On a multi-stage instance, the instance's own recording operations act
on its current stage (``stage_decisions``). The backend lives in
``state.extensions["accessReviews"]``; ``backend_of`` creates it on first use and registers its
transitions with the tenant's clock (``reset()`` rebuilds both, so they stay paired).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from graph_emulator.clock import format_datetime
from graph_emulator.errors import ResourceNotFound
from graph_emulator.state import TenantState

from . import lifecycle
from .decisions import accept_recommendations, record, require_in_progress, select
from .models import (
    CALLER_APP,
    COMPLETED,
    IN_PROGRESS,
    NOT_REVIEWED,
    NOT_STARTED,
    Decision,
    Definition,
    Instance,
    Json,
)
from .scopes import invalid
from .stage_decisions import counterpart, reviewable
from .stage_operations import StageOperations
from .validation import check_replacement, normalise_definition

EXTENSION_KEY = "accessReviews"


class AccessReviewsBackend(StageOperations):
    def advance(self, now: datetime) -> None:
        """Run every transition due by ``now``, in time order (registered with the clock)."""
        while (event := lifecycle.next_event(self, now)) is not None:
            event()

    # -- definitions -----------------------------------------------------------------------------

    def create_definition(self, body: Json) -> Definition:
        now = self.now
        definition = Definition(
            self.state.ids.new_id(), normalise_definition(body), now, now, dict(CALLER_APP)
        )
        self.definitions[definition.id] = definition
        start = lifecycle.next_start(definition)
        if start is not None and start > now:
            lifecycle.prepare(self, definition, start, now)
        return definition

    def list_definitions(self) -> list[Definition]:
        return list(self.definitions.values())

    def replace_definition(self, definition_id: str, body: Json) -> None:
        """PUT: the full object; running instances keep the settings they started with."""
        definition = self.get_definition(definition_id)
        merged = dict(body)
        for key in ("scope", "instanceEnumerationScope", "stageSettings"):  # not updatable: kept
            if merged.get(key) is None:
                merged[key] = definition.body[key]
        new = normalise_definition(merged)
        check_replacement(definition.body, new)
        definition.body = new | {k: definition.body[k] for k in ("scope", "instanceEnumerationScope")}
        definition.modified = self.now
        if definition.started == 0:  # the planned first round follows the new schedule
            planned = {i.group_id: i.id for i in self.instances_of(definition.id)}
            for ident in planned.values():
                del self.instances[ident]
            start = lifecycle.next_start(definition)
            if start is not None and start > self.now:
                lifecycle.prepare(self, definition, start, self.now, planned)

    def delete_definition(self, definition_id: str) -> None:
        self.get_definition(definition_id)
        del self.definitions[definition_id]
        for instance in self.instances_of(definition_id):
            del self.instances[instance.id]

    def definition_status(self, definition: Definition) -> str:
        instances = self.instances_of(definition.id)
        if any(i.status == IN_PROGRESS for i in instances):
            return IN_PROGRESS
        if definition.started == 0:
            return NOT_STARTED
        if lifecycle.next_start(definition) is None and all(i.finished for i in instances):
            return COMPLETED
        return IN_PROGRESS

    # -- instances -------------------------------------------------------------------------------

    def stop_instance(self, definition_id: str, instance_id: str) -> None:
        """End the instance now, as its end date would: ``Completed``, no more input from reviewers.

        The decisions are applied as at any end: at once with ``autoApplyDecisionsEnabled``,
        otherwise when someone calls ``applyDecisions`` (which needs ``Completed``).
        """
        instance = self.get_instance(definition_id, instance_id)
        if instance.status != IN_PROGRESS:
            raise invalid(
                f"Only an InProgress access review instance can be stopped; it is {instance.status}."
            )
        instance.end = self.now
        lifecycle.complete(self, instance, instance.end)

    def apply_decisions(self, definition_id: str, instance_id: str) -> None:
        instance = self.get_instance(definition_id, instance_id)
        if instance.status != COMPLETED:
            raise invalid(
                "Decisions can only be applied when the access review instance is Completed; "
                f"it is {instance.status}."
            )
        lifecycle.apply(self, instance, self.now, CALLER_APP)

    def accept_recommendations(self, definition_id: str, instance_id: str) -> None:
        instance = self.get_instance(definition_id, instance_id)
        accept_recommendations(instance, reviewable(instance), CALLER_APP, self.now)

    def reset_decisions(self, definition_id: str, instance_id: str) -> None:
        """Every item back to ``NotReviewed``, while reviewers can still decide again."""
        instance = self.get_instance(definition_id, instance_id)
        require_in_progress(instance, "Decisions can only be reset")
        record(instance, reviewable(instance), NOT_REVIEWED, None, CALLER_APP, self.now)

    def send_reminder(self, definition_id: str, instance_id: str) -> None:
        """Docs: a reminder "to the reviewers of an active" instance; recorded, nothing is mailed.
        A multi-stage instance's active reviewers are those of its current stage."""
        instance = self.get_instance(definition_id, instance_id)
        require_in_progress(instance, "Reminders can only be sent")
        reviewers = [r.id for r in instance.contacted_reviewers]
        if instance.stage_settings:
            reviewers = list(dict.fromkeys(r for d in reviewable(instance) for r in d.reviewer_ids))
        self.reminders.append(
            {
                "definitionId": definition_id,
                "instanceId": instance_id,
                "reviewerIds": reviewers,
                "sentDateTime": format_datetime(self.now),
            }
        )

    # -- decisions -------------------------------------------------------------------------------

    def get_decision(self, definition_id: str, instance_id: str, decision_id: str) -> Decision:
        decision = self.get_instance(definition_id, instance_id).decisions.get(decision_id)
        if decision is None:
            raise ResourceNotFound(decision_id)
        return decision

    def update_decision(self, definition_id: str, instance_id: str, decision_id: str, body: Json) -> None:
        instance = self.get_instance(definition_id, instance_id)
        item = counterpart(instance, self.get_decision(definition_id, instance_id, decision_id))
        record(instance, [item], body.get("decision"), body.get("justification"), CALLER_APP, self.now)

    def batch_record_decisions(self, definition_id: str, instance_id: str, body: Json) -> None:
        instance = self.get_instance(definition_id, instance_id)
        items = select(instance, reviewable(instance), body.get("principalId"), body.get("resourceId"))
        record(instance, items, body.get("decision"), body.get("justification"), CALLER_APP, self.now)

    def record_as_reviewer(
        self, instance: Instance, items: list[Decision], body: Json, reviewer: Json
    ) -> None:
        """The control plane's way in: a named reviewer (a directory user) records a decision on
        the instance's ``items`` (in its current stage, for a multi-stage instance)."""
        targets = [counterpart(instance, item) for item in items]
        record(instance, targets, body.get("decision"), body.get("justification"), reviewer, self.now)

    # -- control plane ----------------------------------------------------------------------------

    def dump(self) -> Json:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return format_datetime(value)
            if isinstance(value, dict):
                return {str(k): plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        return {
            "definitions": [
                {**plain(dataclasses.asdict(d)), "status": self.definition_status(d)}
                for d in self.definitions.values()
            ],
            "instances": [plain(dataclasses.asdict(i)) for i in self.instances.values()],
            "pendingDeletions": [
                {"at": format_datetime(at), "userId": uid} for at, uid in self.pending_deletions
            ],
            "reminders": list(self.reminders),
        }


def backend_of(state: TenantState) -> AccessReviewsBackend:
    """The tenant's access-review backend, created (and wired to the clock) on first use."""
    backend = state.extensions.get(EXTENSION_KEY)
    if not isinstance(backend, AccessReviewsBackend):
        backend = AccessReviewsBackend(state)
        state.extensions[EXTENSION_KEY] = backend
        state.clock.on_change(backend.advance)
    return backend
