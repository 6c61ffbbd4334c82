"""Graph requests more than one flow sends (memberships, sponsors, group and user facts, a guest's
groups, deletions), built with the SDK's request builders (never by hand).

Each function returns a ``RequestInformation``: the caller sends it through the adapter
(``raw.send_json``) or as a ``$batch`` item (``batch.send_batch``).
"""

from __future__ import annotations

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.users.item.get_member_groups.get_member_groups_post_request_body import (
    GetMemberGroupsPostRequestBody,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.graph_service_client import GraphServiceClient

GROUP_FACTS = ["id", "groupTypes", "isAssignableToRole"]
USER_FACTS = ["id", "userType", "accountEnabled"]


def _object_url(graph: GraphServiceClient, collection: str, object_id: str) -> str:
    """The ``@odata.id`` of an object, on the same service root as every other call."""
    return f"{graph.request_adapter.base_url.rstrip('/')}/{collection}/{object_id}"


def add_member(graph: GraphServiceClient, group_id: str, user_id: str) -> RequestInformation:
    """``POST /groups/{id}/members/$ref``: 204, or 400 "already exist ... 'members'"."""
    reference = ReferenceCreate(odata_id=_object_url(graph, "directoryObjects", user_id))
    return graph.groups.by_group_id(group_id).members.ref.to_post_request_information(reference)


def remove_member(graph: GraphServiceClient, group_id: str, user_id: str) -> RequestInformation:
    """``DELETE /groups/{id}/members/{id}/$ref``: 204, or 404 when it is not (or no longer) a member."""
    members = graph.groups.by_group_id(group_id).members
    return members.by_directory_object_id(user_id).ref.to_delete_request_information()


def delete_user(graph: GraphServiceClient, user_id: str) -> RequestInformation:
    """``DELETE /users/{id}``: 204; Entra keeps the user restorable for 30 days."""
    return graph.users.by_user_id(user_id).to_delete_request_information()


def add_sponsor(graph: GraphServiceClient, user_id: str, sponsor_id: str) -> RequestInformation:
    """``POST /users/{id}/sponsors/$ref`` (v1.0): the internal user responsible for the guest."""
    reference = ReferenceCreate(odata_id=_object_url(graph, "users", sponsor_id))
    return graph.users.by_user_id(user_id).sponsors.ref.to_post_request_information(reference)


def group_facts(graph: GraphServiceClient, group_id: str) -> RequestInformation:
    """``GET /groups/{id}?$select=id,groupTypes,isAssignableToRole``: facts that never change."""
    query = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(select=GROUP_FACTS)
    return graph.groups.by_group_id(group_id).to_get_request_information(
        RequestConfiguration(query_parameters=query)
    )


def member_groups(graph: GraphServiceClient, user_id: str) -> RequestInformation:
    """``POST /users/{id}/getMemberGroups`` ``{"securityEnabledOnly": false}``: the ids of every group
    the user is in, transitively, in one answer (``{"value": [ids]}``, up to 11,000, never paged).

    Needs User.Read.All + GroupMember.Read.All for an application, where another user's ``memberOf``
    needs Directory.Read.All (user-getmembergroups, user-list-memberof). Pass a Boolean: the SDK
    serializes ``None`` as an unknown ``security_enabled_only`` parameter, a 400.
    """
    body = GetMemberGroupsPostRequestBody(security_enabled_only=False)
    return graph.users.by_user_id(user_id).get_member_groups.to_post_request_information(body)


def user_facts(graph: GraphServiceClient, user_id: str) -> RequestInformation:
    """``GET /users/{id}?$select=id,userType,accountEnabled``: guest or member, enabled or not.

    Onboarding asks it of a sponsor, cleanup and grace deletions of a denied guest.
    """
    query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=USER_FACTS)
    return graph.users.by_user_id(user_id).to_get_request_information(
        RequestConfiguration(query_parameters=query)
    )
