"""The stages of a multi-stage instance over time: each opens when the one before it ends.

- The first stage opens with the instance and reviews every principal in scope.
- A stage ends once the clock passes its end, or when it is stopped (the stop page: "If there are
  subsequent stages that depend on the completed stage, the next stage will be created"). The
  next stage opens at once and reviews the principals whose decision in the ended stage is among
  its ``decisionsThatWillMoveToNextStage`` (all of them when the list is empty; ``Recommendation``
  moves decisions taken from the recommendation). The others keep the decision they have.
- Stage ``k`` ends ``durationInDays`` of stages 1..k after the instance's start (the stage
  resource: its end "is the cumulative total of the durationInDays for all stages"), so a stage
  stopped early leaves its time to the next one, and the last stage ends with the instance.
- Each stage has its own items, with recommendations computed when it opens from the stage's
  recommendation settings (which override the definition's), and its own reviewers: the stage's,
  or the definition's when the stage names none.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from .decisions import recommend
from .models import COMPLETED, Decision, Instance, Json, Stage
from .reviewers import assign
from .stage_decisions import settle
from .store import ReviewStore


def total_days(stage_settings: list[Json]) -> int:
    return sum(int(s["durationInDays"]) for s in stage_settings)


def open_stage(
    store: ReviewStore, instance: Instance, index: int, at: datetime, principals: list[Decision]
) -> Stage:
    """Open stage ``index`` at ``at`` for the principals of ``principals``, instance-level items."""
    settings = instance.stage_settings[index]
    stage = Stage(
        id=store.state.ids.new_id(),
        settings=copy.deepcopy(settings),
        start=at,
        end=instance.start + timedelta(days=total_days(instance.stage_settings[: index + 1])),
        reviewers=copy.deepcopy(settings["reviewers"] or instance.reviewers),
        fallback_reviewers=copy.deepcopy(settings["fallbackReviewers"] or instance.fallback_reviewers),
    )
    recommending = {
        "recommendationsEnabled": settings["recommendationsEnabled"],
        "recommendationLookBackDuration": settings.get("recommendationLookBackDuration")
        or instance.settings.get("recommendationLookBackDuration"),
    }
    directory = store.state.directory
    for principal in principals:
        item = Decision(
            id=store.state.ids.new_id(),
            instance_id=instance.id,
            principal_id=principal.principal_id,
            principal_name=principal.principal_name,
            principal_upn=principal.principal_upn,
            recommendation=recommend(directory.users.get(principal.principal_id), recommending, at),
        )
        stage.decisions[item.id] = item
    instance.stages.append(stage)
    ask_reviewers(store, instance, stage, at)
    return stage


def ask_reviewers(store: ReviewStore, instance: Instance, stage: Stage, at: datetime) -> None:
    """Resolve the stage's reviewers for its items; the instance's contacted reviewers gain them."""
    directory = store.state.directory
    group = directory.groups.get(instance.group_id or "")
    scopes = stage.reviewers, stage.fallback_reviewers
    contacted = assign(directory, group, *scopes, stage.decisions.values(), at)
    known = {r.id for r in instance.contacted_reviewers}
    instance.contacted_reviewers += [r for r in contacted if r.id not in known]
    settle(instance)


def moves_on(stage: Stage, item: Decision) -> bool:
    wanted = stage.settings["decisionsThatWillMoveToNextStage"]
    return not wanted or item.decision in wanted or ("Recommendation" in wanted and item.from_recommendation)


def end_stage(store: ReviewStore, instance: Instance, stage: Stage, at: datetime) -> None:
    """Complete ``stage`` at ``at`` and open the next one, if any, for the principals that move on."""
    stage.status, stage.end = COMPLETED, min(stage.end, at)
    following = instance.stages.index(stage) + 1
    if following < len(instance.stage_settings):
        moving = {d.principal_id for d in stage.decisions.values() if moves_on(stage, d)}
        principals = [d for d in instance.decisions.values() if d.principal_id in moving]
        open_stage(store, instance, following, at, principals)


def close(instance: Instance, at: datetime) -> None:
    """The instance ends: so does the stage in progress (no later stage opens)."""
    if (stage := instance.current_stage) is not None:
        stage.status, stage.end = COMPLETED, min(stage.end, at)
