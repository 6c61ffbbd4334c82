"""How the decision items of a multi-stage instance relate to the instance's own items.

Each stage has its own items (``GET .../stages/{id}/decisions``). The instance keeps one item per
principal that mirrors the last decision recorded for it in any stage (the stage stop page: the
instance's items "will always reflect the last decisions recorded across all stages at that given
time, regardless of the status of the stages"), ``NotReviewed`` until one is. Reviewers act on
the current stage's items, also through the instance's own operations. A single-stage instance has
only its own items, and every function here then leaves them as they are.
"""

from __future__ import annotations

from .models import NOT_REVIEWED, Decision, Instance
from .scopes import invalid


def reviewable(instance: Instance) -> list[Decision]:
    """The items reviewers act on now: the current stage's, or the instance's own."""
    if not instance.stage_settings:
        return list(instance.decisions.values())
    stage = instance.current_stage
    return [] if stage is None else list(stage.decisions.values())


def counterpart(instance: Instance, item: Decision) -> Decision:
    """The item a decision on the instance's ``item`` is recorded on: the current stage's item for
    the same principal (400 when the current stage does not review it), or ``item`` itself (also
    when no stage is in progress: recording then refuses the instance's status)."""
    if not instance.stage_settings or instance.current_stage is None:
        return item
    found = next((d for d in reviewable(instance) if d.principal_id == item.principal_id), None)
    if found is None:
        raise invalid("The principal is not under review in the current stage of the access review instance.")
    return found


def last_items(instance: Instance) -> dict[str, Decision]:
    """Each principal's item in the latest stage that reviews it (the instance's own when single-stage)."""
    if not instance.stage_settings:
        return {d.principal_id: d for d in instance.decisions.values()}
    return {d.principal_id: d for stage in instance.stages for d in stage.decisions.values()}


def settle(instance: Instance) -> None:
    """Mirror onto the instance's items the last decision recorded for each principal across the
    stages, and the recommendation and reviewers of the latest stage reviewing it."""
    if not instance.stage_settings:
        return
    latest = last_items(instance)
    recorded = {
        d.principal_id: d
        for stage in instance.stages
        for d in stage.decisions.values()
        if d.decision != NOT_REVIEWED
    }
    for item in instance.decisions.values():
        source = recorded.get(item.principal_id)
        item.decision = source.decision if source else NOT_REVIEWED
        item.justification = source.justification if source else ""
        item.reviewed_by = dict(source.reviewed_by) if source and source.reviewed_by else None
        item.reviewed_at = source.reviewed_at if source else None
        item.from_recommendation = source.from_recommendation if source else False
        if (current := latest.get(item.principal_id)) is not None:
            item.recommendation, item.reviewer_ids = current.recommendation, list(current.reviewer_ids)
