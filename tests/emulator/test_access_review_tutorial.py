"""Microsoft's tutorial "review access to all your M365 groups with external identities", on the emulator.

First as the (older) beta tutorial wrote it, request by request over plain HTTP as in Graph
Explorer (the v1.0 SDK cannot call /beta); then the current v1.0 version through the SDK. The
clock stands in for the wait between steps. Names and addresses are fictional.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
from msgraph.generated.models.group import Group
from msgraph.generated.models.invitation import Invitation
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState

from .access_review_fixtures import FALLBACK_REVIEWER, advance, guest_review, list_decisions, list_instances
from .directory_helpers import bearer

ZERO = "00000000-0000-0000-0000-000000000000"
GUEST_QUERY = "/members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')"


@pytest.fixture
async def explorer(raw_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Graph Explorer: the tutorial's delegated permissions, here as an emulator token."""
    roles = ["User.Invite.All", "AccessReview.ReadWrite.All", "Group.ReadWrite.All", "User.ReadWrite.All"]
    raw_client.headers.update(await bearer(raw_client, roles))
    return raw_client


async def test_beta_tutorial_step_by_step(explorer: httpx.AsyncClient, emulator_state: TenantState) -> None:
    beta = "/beta"
    # Step 1: the test user who is the backup reviewer. The seed already holds the tutorial's user id.
    me = await explorer.get(f"{beta}/users/{FALLBACK_REVIEWER}")
    assert me.status_code == 200

    # Step 2: invite a guest.
    invited = await explorer.post(
        f"{beta}/invitations",
        json={
            "invitedUserDisplayName": "John Doe (Tailspin Toys)",
            "invitedUserEmailAddress": "john.doe@tailspintoys.example",
            "sendInvitationMessage": False,
            "inviteRedirectUrl": "https://myapps.microsoft.com",
        },
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["@odata.context"].endswith("/beta/$metadata#invitations/$entity")
    guest_id = invited.json()["invitedUser"]["id"]

    # Step 3: a new Microsoft 365 group, you as owner, the guest as member.
    group = await explorer.post(
        f"{beta}/groups",
        json={
            "description": "Feelgood Marketing Campaign with external partners and vendors.",
            "displayName": "Feelgood Marketing Campaign",
            "groupTypes": ["Unified"],
            "mailEnabled": True,
            "mailNickname": "FeelGoodCampaign",
            "securityEnabled": True,
            "owners@odata.bind": [f"https://graph.microsoft.com/beta/users/{FALLBACK_REVIEWER}"],
            "members@odata.bind": [f"https://graph.microsoft.com/beta/users/{guest_id}"],
        },
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]

    # Step 4: the quarterly review of guests in all Microsoft 365 groups, as the tutorial sends it.
    created = await explorer.post(
        f"{beta}/identityGovernance/accessReviews/definitions",
        json={
            "displayName": "Group owners review guest across Microsoft 365 groups in the tenant (Quarterly)",
            "descriptionForAdmins": "",
            "descriptionForReviewers": "",
            "scope": {
                "query": "./members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')",
                "queryType": "MicrosoftGraph",
            },
            "instanceEnumerationScope": {
                "query": "/groups?$filter=(groupTypes/any(c:c+eq+'Unified'))&$count=true",
                "queryType": "MicrosoftGraph",
            },
            "reviewers": [{"query": "./owners", "queryType": "MicrosoftGraph", "queryRoot": None}],
            "backupReviewers": [
                {"query": f"/users/{FALLBACK_REVIEWER}", "queryType": "MicrosoftGraph", "queryRoot": None}
            ],
            "settings": {
                "mailNotificationsEnabled": True,
                "reminderNotificationsEnabled": True,
                "justificationRequiredOnApproval": True,
                "defaultDecisionEnabled": True,
                "defaultDecision": "Approve",
                "instanceDurationInDays": 0,
                "autoApplyDecisionsEnabled": True,
                "recommendationsEnabled": True,
                "recurrence": {
                    "pattern": {
                        "type": "absoluteMonthly",
                        "interval": 3,
                        "month": 0,
                        "dayOfMonth": 0,
                        "daysOfWeek": [],
                        "firstDayOfWeek": "sunday",
                        "index": "first",
                    },
                    "range": {
                        "type": "numbered",
                        "numberOfOccurrences": 0,
                        "recurrenceTimeZone": None,
                        "startDate": "2026-01-05",  # "today's date"
                        "endDate": "2026-12-21",
                    },
                },
                "applyActions": [{"@odata.type": "#microsoft.graph.removeAccessApplyAction"}],
            },
        },
    )
    assert created.status_code == 201, created.text
    definition = created.json()
    assert definition["@odata.context"].endswith(
        "/beta/$metadata#identityGovernance/accessReviews/definitions/$entity"
    )
    assert definition["status"] == "NotStarted"
    assert set(definition["createdBy"]) == {"id", "displayName", "userPrincipalName"}
    assert (
        definition["scope"]["query"]
        == "./members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')"
    )
    assert definition["instanceEnumerationScope"]["query"] == (
        "/groups?$filter=(groupTypes/any(c:c+eq+'Unified'))&$count=true"
    )
    assert definition["reviewers"] == [
        {"query": "./owners", "queryType": "MicrosoftGraph", "queryRoot": None}
    ]
    assert definition["backupReviewers"] == [
        {"query": f"/users/{FALLBACK_REVIEWER}", "queryType": "MicrosoftGraph", "queryRoot": None}
    ]
    settings = definition["settings"]
    assert (settings["defaultDecisionEnabled"], settings["defaultDecision"]) == (True, "Approve")
    assert (settings["autoApplyDecisionsEnabled"], settings["recommendationsEnabled"]) == (True, True)
    assert settings["recurrence"]["range"] == {
        "type": "numbered",
        "numberOfOccurrences": 0,
        "recurrenceTimeZone": None,
        "startDate": "2026-01-05",
        "endDate": "2026-12-21",
    }
    assert settings["applyActions"] == [{"@odata.type": "#microsoft.graph.removeAccessApplyAction"}]
    definition_id = definition["id"]

    # Step 5: one instance, for the only Microsoft 365 group with a guest; start == end, InProgress.
    listed = await explorer.get(
        f"{beta}/identityGovernance/accessReviews/definitions/{definition_id}/instances"
    )
    assert listed.status_code == 200
    body = listed.json()
    assert body["@odata.context"].endswith(
        f"/beta/$metadata#identityGovernance/accessReviews/definitions('{definition_id}')/instances"
    )
    [instance] = body["value"]
    assert instance["status"] == "InProgress"
    assert instance["startDateTime"] == instance["endDateTime"] == "2026-01-05T09:00:00Z"
    assert instance["scope"] == {"query": f"/groups/{group_id}{GUEST_QUERY}", "queryType": "MicrosoftGraph"}

    # Step 6: a few minutes later the decision is the default Approve, recorded by the service.
    await advance(explorer, "PT6M")
    decisions = await explorer.get(
        f"{beta}/identityGovernance/accessReviews/definitions/{definition_id}/instances/{instance['id']}/decisions"
    )
    assert decisions.status_code == 200
    page = decisions.json()
    assert page["@odata.count"] == 1
    [decision] = page["value"]
    guest = (await explorer.get(f"{beta}/users/{guest_id}")).json()
    assert decision["accessReviewId"] == instance["id"]
    assert decision["reviewedDateTime"] == "2026-01-05T09:00:00Z"
    assert (decision["decision"], decision["justification"]) == ("Approve", "")
    assert (decision["appliedDateTime"], decision["applyResult"]) == (None, "New")
    assert decision["recommendation"] == "Deny"  # the guest never signed in
    assert decision["reviewedBy"] == {
        "id": ZERO,
        "displayName": "AAD Access Reviews",
        "userPrincipalName": "AAD Access Reviews",
    }
    assert decision["appliedBy"] == {"id": ZERO, "displayName": "", "userPrincipalName": ""}
    assert decision["target"] == {
        "@odata.type": "#microsoft.graph.accessReviewInstanceDecisionItemUserTarget",
        "userId": guest_id,
        "userDisplayName": "John Doe (Tailspin Toys)",
        "userPrincipalName": guest["userPrincipalName"],
    }
    group_state = emulator_state.directory.group(group_id)
    assert group_state is not None
    assert guest_id in group_state.members  # approved: access kept

    # Step 7: clean up: the group, the definition (its instances and decisions go with it), the users.
    assert (await explorer.delete(f"{beta}/groups/{group_id}")).status_code == 204
    path = f"{beta}/identityGovernance/accessReviews/definitions/{definition_id}"
    assert (await explorer.delete(path)).status_code == 204
    assert (await explorer.get(path)).status_code == 404
    assert (await explorer.get(f"{path}/instances")).status_code == 404
    assert (await explorer.delete(f"{beta}/users/{guest_id}")).status_code == 204
    assert (await explorer.delete(f"{beta}/users/{FALLBACK_REVIEWER}")).status_code == 204


async def test_v1_tutorial_through_the_sdk(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """The current v1.0 tutorial: a test guest in a test M365 group, a quarterly review, decisions, delete."""
    invitation = await graph.invitations.post(
        Invitation(
            invited_user_display_name="Jordan Lee (Fabrikam)",
            invited_user_email_address="jordan.lee@fabrikam.example",
            invite_redirect_url="https://myapps.microsoft.com",
        )
    )
    assert invitation is not None
    assert invitation.invited_user is not None
    guest_id = invitation.invited_user.id
    created_group = await graph.groups.post(
        Group(
            display_name="Marketing partners",
            mail_nickname="marketingpartners",
            group_types=["Unified"],
            mail_enabled=True,
            security_enabled=False,
            additional_data={
                "owners@odata.bind": [f"https://graph.microsoft.com/v1.0/users/{FALLBACK_REVIEWER}"],
                "members@odata.bind": [f"https://graph.microsoft.com/v1.0/users/{guest_id}"],
            },
        )
    )
    assert created_group is not None
    group_id = created_group.id

    # Step 1: the tutorial's definition (default Deny, 3 days, auto-apply, removeAccessApplyAction).
    body = guest_review(
        start=date(2026, 1, 5),
        duration_days=3,
        default_decision="Deny",
        auto_apply=True,
        look_back="P30D",
        range_type=RecurrenceRangeType.EndDate,
        end=date(2027, 1, 5),
        enumeration="/v1.0/groups?$filter=(groupTypes/any(c:c+eq+'Unified'))&$count=true",
        name="Guest access to marketing group",
    )
    definition = await graph.identity_governance.access_reviews.definitions.post(body)
    assert definition is not None
    assert definition.id is not None
    assert isinstance(definition.instance_enumeration_scope, AccessReviewQueryScope)
    assert (
        definition.instance_enumeration_scope.query
        == "/groups?$filter=(groupTypes/any(c:c+eq+'Unified'))&$count=true"
    )
    assert definition.settings is not None
    assert definition.settings.recommendation_look_back_duration is not None

    # Step 2: one instance per M365 group with guests: only ours.
    [instance] = await list_instances(graph, definition.id)
    assert instance.status == "InProgress"
    assert isinstance(instance.scope, AccessReviewQueryScope)
    assert instance.scope.query == f"/v1.0/groups/{group_id}{GUEST_QUERY}"
    assert instance.end_date_time == datetime(2026, 1, 8, 9, 0, tzinfo=UTC)

    # Step 3: the decision, before and after the instance ends (silent owner: default Deny, applied).
    [decision] = await list_decisions(graph, definition.id, instance.id or "")
    assert (decision.decision, decision.recommendation, decision.apply_result) == (
        "NotReviewed",
        "Deny",
        "New",
    )
    assert decision.principal is not None
    assert decision.principal.id == guest_id
    await advance(raw_client, "P4D")
    [decision] = await list_decisions(graph, definition.id, instance.id or "")
    assert (decision.decision, decision.apply_result) == ("Deny", "AppliedSuccessfully")
    assert decision.reviewed_by is not None
    assert decision.reviewed_by.display_name == "AAD Access Reviews"
    group = emulator_state.directory.group(group_id or "")
    assert group is not None
    assert guest_id not in group.members  # "removes denied guests from the group"
    assert emulator_state.directory.user(guest_id or "") is not None  # "the guest can still sign in"
    [finished] = await list_instances(graph, definition.id)
    assert finished.status == "Applied"

    # Step 4: delete the definition: its instances and decisions go with it.
    item = graph.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id(
        definition.id
    )
    await item.delete()
    with pytest.raises(ODataError) as caught:
        await item.instances.get()
    assert caught.value.response_status_code == 404
