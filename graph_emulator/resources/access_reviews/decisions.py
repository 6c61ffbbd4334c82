"""Decision rules: recommendations at the start, reviewers' input while in progress, defaults at the end.

- recommendation (docs: "based off last interactive sign-in"): ``Approve`` when the principal
  signed in within ``recommendationLookBackDuration`` (default 30 days) before the instance
  started, ``Deny`` otherwise (also when it never signed in), ``NoInfoAvailable`` when
  recommendations are disabled;
- reviewers may record ``Approve``, ``Deny``, ``DontKnow`` or ``NotReviewed`` (a reset) while
  the instance is ``InProgress``; ``justificationRequiredOnApproval`` makes a justification
  mandatory for ``Approve`` (but not for an accepted recommendation: nobody writes one there);
- at the end, with ``defaultDecisionEnabled``, ``NotReviewed`` items take ``defaultDecision``
  (``Recommendation`` takes the item's recommendation when it is Approve or Deny), reviewed by
  "AAD Access Reviews"; in a multi-stage instance, each principal's item in the last stage that
  reviewed it (earlier stages' defaults would decide before later stages could).
Every change goes through ``settle``, so a multi-stage instance's own items follow its stages'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from graph_emulator.clock import parse_duration
from graph_emulator.directory import User

from .models import DECISIONS, IN_PROGRESS, NOT_REVIEWED, SYSTEM_IDENTITY, Decision, Instance, Json
from .scopes import invalid
from .stage_decisions import last_items, settle

DEFAULT_LOOK_BACK = timedelta(days=30)


def recommend(user: User | None, settings: Json, at: datetime) -> str:
    """``settings`` holds ``recommendationsEnabled`` and ``recommendationLookBackDuration``."""
    if not settings.get("recommendationsEnabled"):
        return "NoInfoAvailable"
    raw = settings.get("recommendationLookBackDuration")
    look_back = parse_duration(raw) if raw else DEFAULT_LOOK_BACK
    if user is not None and user.last_sign_in is not None and user.last_sign_in >= at - look_back:
        return "Approve"
    return "Deny"


def record(
    instance: Instance,
    items: Iterable[Decision],
    decision: object,
    justification: object,
    reviewer: Json,
    at: datetime,
) -> int:
    """Record one reviewer's decision on ``items``; returns how many were recorded."""
    require_in_progress(instance, "Decisions can only be recorded")
    if decision not in DECISIONS:
        raise invalid(f"Invalid decision '{decision}': expected one of {', '.join(DECISIONS)}.")
    if justification is not None and not isinstance(justification, str):
        raise invalid("The justification must be a string.")
    text = justification or ""
    if (
        decision == "Approve"
        and instance.settings.get("justificationRequiredOnApproval")
        and not text.strip()
    ):
        raise invalid("A justification is required to approve access in this review.")
    count = 0
    for item in items:
        if decision == NOT_REVIEWED:
            item.decision, item.justification, item.reviewed_by, item.reviewed_at = (
                NOT_REVIEWED,
                "",
                None,
                None,
            )
        else:
            _take(item, str(decision), text, reviewer, at)
        count += 1
    settle(instance)
    return count


def require_in_progress(instance: Instance, what: str) -> None:
    """Reviewers act only on a running instance; ``what`` names the refused action."""
    if instance.status != IN_PROGRESS:
        raise invalid(f"{what} while the access review instance is InProgress; it is {instance.status}.")


def _take(
    item: Decision,
    decision: str,
    justification: str,
    reviewer: Json,
    at: datetime,
    *,
    recommended: bool = False,
) -> None:
    item.decision, item.justification = decision, justification
    item.reviewed_by, item.reviewed_at = dict(reviewer), at
    item.from_recommendation = recommended


def accept_recommendations(instance: Instance, items: list[Decision], reviewer: Json, at: datetime) -> None:
    """Unreviewed ``items`` take their recommendation; an item without one (``NoInfoAvailable``)
    stays unreviewed, as the stage variant's page says ("no decision is recorded")."""
    require_in_progress(instance, "Recommendations can only be accepted")
    for item in items:
        if item.decision == NOT_REVIEWED and item.recommendation in ("Approve", "Deny"):
            _take(item, item.recommendation, "", reviewer, at, recommended=True)
    settle(instance)


def apply_defaults(instance: Instance, at: datetime) -> None:
    """Give unreviewed items the default decision, as the service does when the instance ends."""
    settings = instance.settings
    if not settings.get("defaultDecisionEnabled"):
        return
    default = settings.get("defaultDecision")
    for item in last_items(instance).values():
        if item.decision != NOT_REVIEWED:
            continue
        value = item.recommendation if default == "Recommendation" else default
        if value not in ("Approve", "Deny"):
            continue
        _take(item, value, "", SYSTEM_IDENTITY, at, recommended=default == "Recommendation")
    settle(instance)


def select(
    instance: Instance, items: list[Decision], principal_id: object = None, resource_id: object = None
) -> list[Decision]:
    """What ``batchRecordDecisions`` reviews among ``items``: all, or one principal's and/or one
    resource's (the instance's group)."""
    if principal_id:
        items = [d for d in items if d.principal_id.lower() == str(principal_id).lower()]
    if resource_id and (instance.group_id or "").lower() != str(resource_id).lower():
        items = []
    return items
