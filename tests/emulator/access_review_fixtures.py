"""Builders shared by the access-review emulator tests: guests, groups, definitions, clock moves.

Guests are written straight into the emulator's directory (the access-review tests exercise the
review engine, not invitations); the tutorial test goes through Graph for that instead.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.access_review_apply_action import AccessReviewApplyAction
from msgraph.generated.models.access_review_instance import AccessReviewInstance
from msgraph.generated.models.access_review_instance_decision_item import AccessReviewInstanceDecisionItem
from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.access_review_reviewer_scope_type import AccessReviewReviewerScopeType
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.generated.models.access_review_schedule_settings import AccessReviewScheduleSettings
from msgraph.generated.models.access_review_stage_settings import AccessReviewStageSettings
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.generated.models.remove_access_apply_action import RemoveAccessApplyAction
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState
from graph_emulator.directory import Group, User

GUEST_SCOPE = "./members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')"
ALL_UNIFIED = "/groups?$filter=(groupTypes/any(c:c+eq+'Unified'))&$count=true"
FALLBACK_REVIEWER = "c9a5aff7-9298-4d71-adab-0a222e0a05e4"  # the seed's administrator

# Seed groups (graph_emulator/default_seed.json)
FEELGOOD = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"  # Unified, owner Megan
RETAIL = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"  # Unified, owner Adele
SALES = "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e"  # Unified, no owner
IT_OPERATIONS = "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f"  # security group, not Unified
HELPDESK = "9d0e1f2a-3b4c-4d5e-9f6a-7b8c9d0e1f2a"  # Unified but role-assignable
MEGAN = "1c2b3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e"


def add_guest(
    state: TenantState,
    name: str,
    *,
    groups: tuple[str, ...] = (),
    last_sign_in: datetime | None = None,
    sponsors: tuple[str, ...] = (),
) -> User:
    """A redeemed B2B guest (fictional name), member of ``groups``, sponsored by ``sponsors``."""
    ident = state.ids.new_id()
    user = User(
        id=ident,
        display_name=f"{name} (Guest)",
        user_principal_name=f"{name.lower()}_example.net#EXT#@{state.domain}",
        mail=f"{name.lower()}@example.net",
        user_type="Guest",
        creation_type="Invitation",
        external_user_state="Accepted",
        created=state.clock.now(),
        last_sign_in=last_sign_in,
        sponsors=list(sponsors),
    )
    state.directory.users[ident] = user
    for group_id in groups:
        group = state.directory.group(group_id)
        assert group is not None, group_id
        group.members[ident] = None
    return user


def add_group(
    state: TenantState, name: str, *, unified: bool = True, owners: tuple[str, ...] = (), team: bool = False
) -> Group:
    """A group; ``team``: a team exists for it (Graph then lists ``Team`` in resourceProvisioningOptions)."""
    group = Group(
        id=state.ids.new_id(),
        display_name=name,
        mail_nickname=name.replace(" ", ""),
        group_types=["Unified"] if unified else [],
        resource_provisioning_options=["Team"] if team else [],
        created=state.clock.now(),
        owners=dict.fromkeys(owners),
    )
    state.directory.groups[group.id] = group
    return group


def guest_review(
    *,
    start: date,
    duration_days: int = 14,
    auto_apply: bool = True,
    default_decision: str | None = None,
    interval: int = 3,
    pattern: RecurrencePatternType = RecurrencePatternType.AbsoluteMonthly,
    range_type: RecurrenceRangeType = RecurrenceRangeType.NoEnd,
    end: date | None = None,
    occurrences: int | None = None,
    enumeration: str = ALL_UNIFIED,
    apply_actions: list[AccessReviewApplyAction] | None = None,
    recommendations: bool = True,
    look_back: str | None = None,
    name: str = "Quarterly guest review",
) -> AccessReviewScheduleDefinition:
    """The quarterly review of guests across all Microsoft 365 groups (tutorial, step 1)."""
    return AccessReviewScheduleDefinition(
        display_name=name,
        description_for_admins="Guests in Microsoft 365 groups",
        description_for_reviewers="Please confirm each guest still needs access.",
        scope=AccessReviewQueryScope(query=GUEST_SCOPE, query_type="MicrosoftGraph"),
        instance_enumeration_scope=AccessReviewQueryScope(query=enumeration, query_type="MicrosoftGraph"),
        reviewers=[AccessReviewReviewerScope(query="./owners", query_type="MicrosoftGraph")],
        fallback_reviewers=[
            AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")
        ],
        settings=AccessReviewScheduleSettings(
            mail_notifications_enabled=True,
            reminder_notifications_enabled=True,
            justification_required_on_approval=False,
            default_decision_enabled=default_decision is not None,
            default_decision=default_decision or "None",
            instance_duration_in_days=duration_days,
            auto_apply_decisions_enabled=auto_apply,
            recommendations_enabled=recommendations,
            recommendation_look_back_duration=look_back,  # type: ignore[arg-type]  # ISO text, as Graph wants
            recurrence=PatternedRecurrence(
                pattern=RecurrencePattern(type=pattern, interval=interval),
                range=RecurrenceRange(
                    type=range_type, start_date=start, end_date=end, number_of_occurrences=occurrences
                ),
            ),
            apply_actions=apply_actions if apply_actions is not None else [RemoveAccessApplyAction()],
        ),
    )


def sponsors() -> AccessReviewReviewerScope:
    """Each guest's sponsors review it: the reviewer scope type v1.0 documents ("sponsor"), with the
    relative query form of ./manager (Graph documents no query for sponsors)."""
    return AccessReviewReviewerScope(
        query="./sponsors",
        query_type="MicrosoftGraph",
        query_root="decisions",
        scope_type=AccessReviewReviewerScopeType.Sponsor,
    )


def owners() -> AccessReviewReviewerScope:
    return AccessReviewReviewerScope(query="./owners", query_type="MicrosoftGraph")


def fallback_user() -> AccessReviewReviewerScope:
    return AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")


def sponsors_then_owners(
    *,
    start: date,
    sponsor_days: int = 7,
    owner_days: int = 7,
    moving: tuple[str, ...] = ("Approve", "NotReviewed"),
    recommendations: tuple[bool, bool] = (True, True),
    **options: Any,
) -> AccessReviewScheduleDefinition:
    """The quarterly guest review in two stages: each guest's sponsors first (the fallback reviewer
    for a guest without one), then the group's owners for the decisions in ``moving``."""
    definition = guest_review(start=start, **options)
    definition.reviewers, definition.fallback_reviewers = None, None  # the stages name them
    definition.stage_settings = [
        AccessReviewStageSettings(
            stage_id="1",
            duration_in_days=sponsor_days,
            recommendations_enabled=recommendations[0],
            decisions_that_will_move_to_next_stage=list(moving),
            reviewers=[sponsors()],
            fallback_reviewers=[fallback_user()],
        ),
        AccessReviewStageSettings(
            stage_id="2",
            depends_on=["1"],
            duration_in_days=owner_days,
            recommendations_enabled=recommendations[1],
            reviewers=[owners()],
            fallback_reviewers=[fallback_user()],
        ),
    ]
    return definition


async def advance(raw_client: httpx.AsyncClient, duration: str) -> str:
    response = await raw_client.post("/_emulator/clock", json={"advance": duration})
    assert response.status_code == 200, response.text
    now: str = response.json()["now"]
    return now


async def list_instances(
    graph: GraphServiceClient, definition_id: str, status: str | None = None
) -> list[AccessReviewInstance]:
    builder = graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
        definition_id
    ).instances
    config = None
    if status is not None:
        params = builder.InstancesRequestBuilderGetQueryParameters(filter=f"status eq '{status}'")
        config = RequestConfiguration(query_parameters=params)
    page = await builder.get(request_configuration=config)
    assert page is not None
    assert page.value is not None
    return page.value


async def list_decisions(
    graph: GraphServiceClient, definition_id: str, instance_id: str, **query: Any
) -> list[AccessReviewInstanceDecisionItem]:
    builder = (
        graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
            definition_id
        )
        .instances.by_access_review_instance_id(instance_id)
        .decisions
    )
    config = None
    if query:
        config = RequestConfiguration(
            query_parameters=builder.DecisionsRequestBuilderGetQueryParameters(**query)
        )
    page = await builder.get(request_configuration=config)
    assert page is not None
    assert page.value is not None
    return page.value


def group_of(instance: AccessReviewInstance) -> str:
    """The group an all-groups instance reviews, from its scope query (the only place Graph names it)."""
    scope = instance.scope
    assert isinstance(scope, AccessReviewQueryScope)
    assert scope.query is not None
    return scope.query.split("/groups/", 1)[1].split("/", 1)[0]
