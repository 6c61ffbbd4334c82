"""Identical starting states for both sides of a scenario, written straight into the emulator's state.

Seeding goes through the emulator's backends, not Graph calls: 5,000 guests and a finished review
round take well under a second this way, and no seeding request lands in the request log that the
benchmark reads. Ids come from the state's seeded id factory, so every run (and both sides of one
run) sees the same directory.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bench.workload import (
    ADMIN,
    CLOCK_START,
    MEGAN,
    OTHER_GROUP,
    REVIEWED_GROUP,
    CleanupShape,
)
from graph_emulator import FaultConfig, TenantState
from graph_emulator.directory import Group, User
from graph_emulator.resources.access_reviews.backend import backend_of
from graph_emulator.resources.access_reviews.decisions import record

GUEST_SCOPE = "./members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')"
ALL_UNIFIED = "/groups?$filter=(groupTypes/any(c:c+eq+'Unified'))&$count=true"


def new_state(*, latency_ms: float = 0.0, invitation_throttling: bool = False) -> TenantState:
    """The default seed, a frozen business clock and the scenario's fault knobs."""
    faults = FaultConfig(latency_ms=latency_ms, invitation_throttling=invitation_throttling)
    return TenantState(clock_start=CLOCK_START, faults=faults)


def seed_cleanup_round(state: TenantState, shape: CleanupShape) -> None:
    """One finished (Completed, auto-apply off) instance of the tutorial's all-groups guest review."""
    if not 0 <= shape.denied <= shape.decisions:
        raise ValueError("denied must be between 0 and decisions")
    now = state.clock.now()
    reviewed = _group(state, REVIEWED_GROUP, "Bench Partners", unified=True, owners=(MEGAN,))
    other = _group(state, OTHER_GROUP, "Bench Vendors (security)", unified=False, owners=(ADMIN,))
    denied: list[str] = []
    step = max(1, shape.decisions // max(1, shape.denied))  # denials spread evenly over the round
    for n in range(shape.decisions):
        user = _guest(state, n, now)
        reviewed.members[user.id] = None
        if n % step == 0 and len(denied) < shape.denied:
            if len(denied) % shape.keep_every == 0:
                other.members[user.id] = None
            denied.append(user.id)
    backend = backend_of(state)
    backend.create_definition(_definition(now))
    backend.advance(now)  # the occurrence starts today: one InProgress instance for the reviewed group
    (instance,) = [i for i in backend.instances.values() if i.group_id == REVIEWED_GROUP]
    reviewer = {"id": MEGAN, "displayName": "Megan Bowen", "userPrincipalName": "MeganB@contoso"}
    denied_set = set(denied)
    items = list(instance.decisions.values())
    record(instance, [d for d in items if d.principal_id in denied_set], "Deny", None, reviewer, now)
    approved = [d for n, d in enumerate(items) if d.principal_id not in denied_set and n % 10 != 9]
    record(instance, approved, "Approve", None, reviewer, now)  # the rest stay NotReviewed
    state.clock.advance(timedelta(days=15))  # past the 14-day duration: Completed, nothing applied
    state.requests.clear()


def _group(state: TenantState, ident: str, name: str, *, unified: bool, owners: tuple[str, ...]) -> Group:
    group = Group(
        id=ident,
        display_name=name,
        mail_nickname=name.replace(" ", ""),
        group_types=["Unified"] if unified else [],
        mail_enabled=unified,
        security_enabled=not unified,
        created=state.clock.now(),
        owners=dict.fromkeys(owners),
    )
    state.directory.groups[ident] = group
    return group


def _guest(state: TenantState, n: int, now: datetime) -> User:
    ident = state.ids.new_id()
    user = User(
        id=ident,
        display_name=f"Bench Guest {n}",
        user_principal_name=f"guest{n}_partner.example#EXT#@{state.domain}",
        mail=f"guest{n}@partner.example",
        user_type="Guest",
        creation_type="Invitation",
        external_user_state="Accepted",
        created=now,
    )
    state.directory.users[ident] = user
    return user


def _definition(now: datetime) -> dict[str, Any]:
    """The tutorial's quarterly review of guests in all Microsoft 365 groups, auto-apply off."""
    return {
        "displayName": "Quarterly guest review",
        "descriptionForAdmins": "Guests in Microsoft 365 groups",
        "descriptionForReviewers": "Please confirm each guest still needs access.",
        "scope": {"query": GUEST_SCOPE, "queryType": "MicrosoftGraph"},
        "instanceEnumerationScope": {"query": ALL_UNIFIED, "queryType": "MicrosoftGraph"},
        "reviewers": [{"query": "./owners", "queryType": "MicrosoftGraph"}],
        "fallbackReviewers": [{"query": f"/users/{ADMIN}", "queryType": "MicrosoftGraph"}],
        "settings": {
            "instanceDurationInDays": 14,
            "autoApplyDecisionsEnabled": False,
            "defaultDecisionEnabled": False,
            "defaultDecision": "None",
            "recommendationsEnabled": False,
            "applyActions": [{"@odata.type": "#microsoft.graph.removeAccessApplyAction"}],
            "recurrence": {
                "pattern": {"type": "absoluteMonthly", "interval": 3},
                "range": {"type": "noEnd", "startDate": now.date().isoformat()},
            },
        },
    }
