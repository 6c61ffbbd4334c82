"""Time-driven transitions of access reviews, run in time order whenever the clock moves.

Events, earliest first (ties: endings, then deletions, then starts):
- an occurrence's start: enumerate the groups in scope, create one ``InProgress`` instance per
  group with decisions for the principals in scope at that moment and its reviewers resolved
  (a multi-stage instance opens its first stage, see ``stages``);
- a stage's end, but the last one's (once the clock has passed it): the next stage opens;
- an instance's end (once the clock has passed ``endDateTime``): its stage in progress ends,
  default decisions, ``Completed``, and with ``autoApplyDecisionsEnabled`` the apply actions,
  ``Applied``;
- a guest disabled by ``disableAndDeleteUserApplyAction`` is deleted 30 days later.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from graph_emulator.clock import parse_duration
from graph_emulator.directory import Group, User

from . import schedule, stages
from .decisions import apply_defaults, recommend
from .models import (
    APPLIED,
    APPLIED_NOT_FOUND,
    APPLIED_OK,
    APPLY_NOT_SUPPORTED,
    COMPLETED,
    DISABLE_AND_DELETE,
    IN_PROGRESS,
    INACTIVE_USERS_SCOPE,
    NOT_STARTED,
    SYSTEM_IDENTITY,
    Decision,
    Definition,
    Instance,
    Json,
)
from .reviewers import assign
from .scopes import enumerate_groups, parse_enumeration, parse_member_scope, principals
from .stage_decisions import last_items
from .stage_settings import in_order
from .store import ReviewStore

DELETE_AFTER_DISABLE = timedelta(
    days=30
)  # disableAndDeleteUserApplyAction: "disable ... for 30 days and then delete"
Event = Callable[[], None]


def next_start(definition: Definition) -> datetime | None:
    return schedule.next_start(
        definition.settings["recurrence"], definition.created, definition.started, definition.last_start
    )


def next_event(store: ReviewStore, now: datetime) -> Event | None:
    candidates: list[tuple[datetime, int, int, Event]] = []
    for seq, instance in enumerate(store.instances.values()):
        if instance.status == IN_PROGRESS and instance.end < now:
            candidates.append((instance.end, 0, seq, partial(complete, store, instance, instance.end)))
        stage = instance.current_stage
        if stage is not None and stage.end < min(now, instance.end):
            ending = partial(stages.end_stage, store, instance, stage, stage.end)
            candidates.append((stage.end, 0, seq, ending))
    for seq, (due, user_id) in enumerate(store.pending_deletions):
        if due <= now:
            candidates.append((due, 1, seq, partial(delete_disabled_user, store, due, user_id)))
    for seq, definition in enumerate(store.definitions.values()):
        start = next_start(definition)
        if start is not None and start <= now:
            candidates.append((start, 2, seq, partial(start_occurrence, store, definition, start)))
    if not candidates:
        return None
    return min(candidates, key=lambda c: c[:3])[3]


def targets(store: ReviewStore, definition: Definition, at: datetime) -> list[tuple[Group, list[User]]]:
    """The groups that get an instance now, each with the principals under review."""
    directory = store.state.directory
    scope_json = definition.body["scope"]
    scope = parse_member_scope(scope_json["query"])
    inactive = (
        parse_duration(scope_json["inactiveDuration"])
        if scope_json["@odata.type"] == INACTIVE_USERS_SCOPE
        else None
    )
    if scope.group_id is not None:
        group = directory.group(scope.group_id)
        return (
            []
            if group is None
            else [(group, principals(directory, group, scope, inactive_for=inactive, at=at))]
        )
    enumeration = parse_enumeration(definition.body["instanceEnumerationScope"]["query"])
    found = [
        (group, principals(directory, group, scope, inactive_for=inactive, at=at))
        for group in enumerate_groups(directory, enumeration)
    ]
    return [(group, users) for group, users in found if users]


def _instance(definition: Definition, group: Group, start: datetime, ident: str) -> Instance:
    scope_json = definition.body["scope"]
    relative = scope_json["query"].startswith("./")
    scope = copy.deepcopy(scope_json)
    if relative:
        scope["query"] = f"/groups/{group.id}{parse_member_scope(scope_json['query']).suffix}"
    settings = copy.deepcopy(definition.settings)
    stage_settings = copy.deepcopy(in_order(definition.body["stageSettings"]))
    days = stages.total_days(stage_settings) if stage_settings else settings["instanceDurationInDays"]
    return Instance(
        id=ident,
        definition_id=definition.id,
        group_id=group.id,
        start=start,
        end=start + timedelta(days=days),  # the stages' cumulative duration overrides the setting
        status=NOT_STARTED,
        scope=scope,
        versioned_scope=relative,
        settings=settings,
        reviewers=copy.deepcopy(definition.body["reviewers"]),
        fallback_reviewers=copy.deepcopy(definition.body["fallbackReviewers"]),
        stage_settings=stage_settings,
    )


def prepare(
    store: ReviewStore,
    definition: Definition,
    start: datetime,
    now: datetime,
    ids: dict[str | None, str] | None = None,
) -> None:
    """``NotStarted`` placeholders for a series created ahead of its start (re-evaluated at the start)."""
    for group, _ in targets(store, definition, now):
        ident = (ids or {}).get(group.id) or store.state.ids.new_id()
        instance = _instance(definition, group, start, ident)
        store.instances[instance.id] = instance


def start_occurrence(store: ReviewStore, definition: Definition, at: datetime) -> None:
    placeholders = {i.group_id: i.id for i in store.instances_of(definition.id) if i.status == NOT_STARTED}
    for ident in placeholders.values():
        del store.instances[ident]
    for group, users in targets(store, definition, at):
        instance = _instance(definition, group, at, placeholders.get(group.id) or store.state.ids.new_id())
        instance.status = IN_PROGRESS
        for user in users:
            item = Decision(
                id=store.state.ids.new_id(),
                instance_id=instance.id,
                principal_id=user.id,
                principal_name=user.display_name,
                principal_upn=user.user_principal_name,
                recommendation=recommend(user, instance.settings, at),
            )
            instance.decisions[item.id] = item
        if instance.stage_settings:
            stages.open_stage(store, instance, 0, at, list(instance.decisions.values()))
        else:
            instance.contacted_reviewers = assign(
                store.state.directory,
                group,
                instance.reviewers,
                instance.fallback_reviewers,
                instance.decisions.values(),
                at,
            )
        store.instances[instance.id] = instance
    definition.started += 1
    definition.last_start = at


def complete(store: ReviewStore, instance: Instance, at: datetime) -> None:
    stages.close(instance, at)
    apply_defaults(instance, at)
    instance.status = COMPLETED
    if instance.settings.get("autoApplyDecisionsEnabled"):
        apply(store, instance, at, SYSTEM_IDENTITY)


def apply(store: ReviewStore, instance: Instance, at: datetime, by: Json) -> None:
    """Carry out the apply action for each denied principal; approvals need none (stay ``New``)."""
    disable = any(
        a.get("@odata.type") == DISABLE_AND_DELETE for a in instance.settings.get("applyActions", [])
    )
    last = last_items(instance)  # a multi-stage instance's last stage items show the result too
    for item in instance.decisions.values():
        if item.decision != "Deny":
            continue
        result = _disable(store, item, at) if disable else _remove(store, instance, item)
        for applied in {item.id: item, last[item.principal_id].id: last[item.principal_id]}.values():
            applied.apply_result, applied.applied_at, applied.applied_by = result, at, dict(by)
    instance.status = APPLIED


def _remove(store: ReviewStore, instance: Instance, item: Decision) -> str:
    group = store.state.directory.group(instance.group_id or "")
    if group is None or item.principal_id not in group.members:
        return APPLIED_NOT_FOUND
    del group.members[item.principal_id]
    return APPLIED_OK


def _disable(store: ReviewStore, item: Decision, at: datetime) -> str:
    user = store.state.directory.user(item.principal_id)
    if user is None:
        return APPLIED_NOT_FOUND
    if user.user_type != "Guest":
        return APPLY_NOT_SUPPORTED
    user.account_enabled = False
    store.pending_deletions.append((at + DELETE_AFTER_DISABLE, user.id))
    return APPLIED_OK


def delete_disabled_user(store: ReviewStore, due: datetime, user_id: str) -> None:
    store.pending_deletions.remove((due, user_id))
    user = store.state.directory.users.get(user_id)
    if user is not None and user.deleted is None and not user.account_enabled:
        user.deleted = due
