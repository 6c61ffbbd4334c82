"""Inactive guests and Teams-connected groups through the real msgraph-sdk: the create page's
example 2 ("Create an access review on all teams with inactive guest users"), an inactivity window
evaluated at each round's start, and groups that carry ``resourceProvisioningOptions``:
https://learn.microsoft.com/graph/api/accessreviewset-post-definitions?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/resources/accessreviewinactiveusersqueryscope?view=graph-rest-1.0
https://learn.microsoft.com/graph/accessreviews-scope-concept
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.models.access_review_inactive_users_query_scope import (
    AccessReviewInactiveUsersQueryScope,
)
from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.generated.models.access_review_schedule_settings import AccessReviewScheduleSettings
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState

from .access_review_fixtures import (
    FALLBACK_REVIEWER,
    MEGAN,
    RETAIL,
    add_group,
    add_guest,
    advance,
    group_of,
    guest_review,
    list_decisions,
    list_instances,
)
from .directory_helpers import odata_error

TODAY = date(2026, 1, 5)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Example 2's enumeration query as its response shows it (its request has a stray quote: "'Team')')").
TEAMS = (
    "/groups?$filter=(groupTypes/any(c:c+eq+'Unified') and resourceProvisioningOptions/Any(x:x eq 'Team'))"
    "&$count=true"
)
INACTIVE_GUESTS = "./members/microsoft.graph.user/?$filter=(userType eq 'Guest')"


def inactive_guests_on_teams(inactive_duration: str = "P30D") -> AccessReviewScheduleDefinition:
    """Example 2: inactive guests of every team, reviewed by the owners, quarterly on the 5th, three
    days, unreviewed guests denied and the decisions applied."""
    return AccessReviewScheduleDefinition(
        display_name="Review inactive guests on teams",
        description_for_admins="Control guest user access to our teams.",
        description_for_reviewers=(
            "Information security is everyone's responsibility. Review our access policy for more."
        ),
        instance_enumeration_scope=AccessReviewQueryScope(
            odata_type="#microsoft.graph.accessReviewQueryScope", query=TEAMS, query_type="MicrosoftGraph"
        ),
        scope=AccessReviewInactiveUsersQueryScope(
            query=INACTIVE_GUESTS,
            query_type="MicrosoftGraph",
            inactive_duration=inactive_duration,  # type: ignore[arg-type]  # ISO text, as Graph wants
        ),
        reviewers=[AccessReviewReviewerScope(query="./owners", query_type="MicrosoftGraph")],
        fallback_reviewers=[
            AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")
        ],
        settings=AccessReviewScheduleSettings(
            mail_notifications_enabled=True,
            reminder_notifications_enabled=True,
            justification_required_on_approval=True,
            recommendations_enabled=True,
            instance_duration_in_days=3,
            recurrence=PatternedRecurrence(
                pattern=RecurrencePattern(
                    type=RecurrencePatternType.AbsoluteMonthly, day_of_month=5, interval=3
                ),
                range=RecurrenceRange(type=RecurrenceRangeType.NoEnd, start_date=TODAY),
            ),
            default_decision_enabled=True,
            default_decision="Deny",
            auto_apply_decisions_enabled=True,
        ),
    )


async def test_review_inactive_guests_on_teams_as_example_2(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """Only teams get an instance, and only the guests who did not sign in during the last 30 days
    (never included) are reviewed; the owners do not answer, so they are denied and removed."""
    team = add_group(emulator_state, "Project Falcon", owners=(MEGAN,), team=True)
    idle = add_guest(emulator_state, "Idle", groups=(team.id,))
    stale = add_guest(emulator_state, "Stale", groups=(team.id,), last_sign_in=NOW - timedelta(days=45))
    fresh = add_guest(emulator_state, "Fresh", groups=(team.id,), last_sign_in=NOW - timedelta(days=3))
    other = add_guest(emulator_state, "Other", groups=(RETAIL,))  # Retail Partners is no team

    created = await graph.identity_governance.access_reviews.definitions.post(inactive_guests_on_teams())

    assert created is not None
    assert created.id is not None
    scope = created.scope
    assert isinstance(scope, AccessReviewInactiveUsersQueryScope)
    assert (scope.query, scope.query_root, scope.inactive_duration) == (
        INACTIVE_GUESTS,
        None,
        timedelta(days=30),
    )
    assert isinstance(created.instance_enumeration_scope, AccessReviewQueryScope)
    assert created.instance_enumeration_scope.query == TEAMS
    [instance] = await list_instances(graph, created.id)
    assert group_of(instance) == team.id
    items = await list_decisions(graph, created.id, instance.id or "")
    assert sorted(str(d.principal.id) for d in items if d.principal) == sorted([idle.id, stale.id])

    await advance(raw_client, "P3DT1H")
    assert [i.status for i in await list_instances(graph, created.id)] == ["Applied"]
    assert list(team.members) == [fresh.id]
    assert other.id in emulator_state.directory.groups[RETAIL].members


async def test_inactivity_is_measured_at_each_round_s_start(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """inactiveDuration P90D: a guest last seen 60 days before the first round is left out of it,
    and reviewed in the next quarter's round if it has not signed in since."""
    team = add_group(emulator_state, "Project Osprey", owners=(MEGAN,), team=True)
    recent = add_guest(emulator_state, "Recent", groups=(team.id,), last_sign_in=NOW - timedelta(days=60))
    gone = add_guest(emulator_state, "Gone", groups=(team.id,), last_sign_in=NOW - timedelta(days=100))
    body = inactive_guests_on_teams("P90D")
    assert body.settings is not None
    body.settings.default_decision_enabled = False  # nobody is removed: both rounds see both guests
    created = await graph.identity_governance.access_reviews.definitions.post(body)
    assert created is not None
    assert created.id is not None

    [first] = await list_instances(graph, created.id)
    assert [
        d.principal.id for d in await list_decisions(graph, created.id, first.id or "") if d.principal
    ] == [gone.id]
    await advance(raw_client, "P92D")  # the next quarter's round has started (5 April)
    second = next(i for i in await list_instances(graph, created.id) if i.id != first.id)
    reviewed = {
        d.principal.id for d in await list_decisions(graph, created.id, second.id or "") if d.principal
    }
    assert reviewed == {recent.id, gone.id}


async def test_the_teams_filter_selects_the_groups_that_are_teams_at_each_start(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """The all-guests review with the Teams enumeration filter: a group becoming a team later is in
    the next round (the scope concept page's "all teams" example filters the same property)."""
    team = add_group(emulator_state, "Project Heron", owners=(MEGAN,), team=True)
    later = add_group(emulator_state, "Project Kite", owners=(MEGAN,))
    add_guest(emulator_state, "Teammate", groups=(team.id, later.id))
    created = await graph.identity_governance.access_reviews.definitions.post(
        guest_review(start=TODAY, enumeration=TEAMS)
    )
    assert created is not None
    assert created.id is not None
    assert [group_of(i) for i in await list_instances(graph, created.id)] == [team.id]

    later.resource_provisioning_options = ["Team"]  # a team is created for the group
    await advance(raw_client, "P3M")
    assert sorted(group_of(i) for i in await list_instances(graph, created.id)) == sorted(
        [team.id, team.id, later.id]
    )


async def test_groups_show_whether_they_are_teams(
    graph: GraphServiceClient, emulator_state: TenantState
) -> None:
    """resourceProvisioningOptions: "Team" when a team is associated with the group; lists filter on
    it as the "List all teams" page does:
    https://learn.microsoft.com/graph/teams-list-all-teams"""
    team = add_group(emulator_state, "Project Egret", team=True)
    found = await graph.groups.by_group_id(team.id).get()
    assert found is not None
    assert found.resource_provisioning_options == ["Team"]
    params = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
        filter="resourceProvisioningOptions/Any(x:x eq 'Team')"
    )
    page = await graph.groups.get(RequestConfiguration(query_parameters=params))
    assert page is not None
    assert [g.id for g in page.value or []] == [team.id]


async def test_clients_cannot_set_resource_provisioning_options(graph: GraphServiceClient) -> None:
    """ "Don't configure the resourceProvisioningOptions property during group creation or update.
    Let the system manage the property": POST /groups refuses it (400, the emulator's message).
    https://learn.microsoft.com/graph/group-set-options"""
    body = Group(
        display_name="Self-made team",
        mail_nickname="selfmadeteam",
        mail_enabled=True,
        security_enabled=False,
        group_types=["Unified"],
        resource_provisioning_options=["Team"],
    )
    with pytest.raises(ODataError) as caught:
        await graph.groups.post(body)
    status, _, message = odata_error(caught)
    assert status == 400
    assert "resourceProvisioningOptions" in (message or "")
