"""Graph type schemas read from msgraph-sdk: properties with their shape, relationships kept apart.

Expected names come from the v1.0 resource pages (https://learn.microsoft.com/en-us/graph/api/resources/user,
.../resources/group, .../resources/invitation, .../resources/invitedusermessageinfo, view=graph-rest-1.0):
"Properties" versus "Relationships".
"""

from __future__ import annotations

import pytest

from graph_emulator.schema import DIRECTORY_TYPES, schema, warm_up


def test_user_properties_include_inherited_ones_and_those_only_select_returns() -> None:
    user = schema("user")
    assert user.qualified_name == "microsoft.graph.user"
    for name in ("id", "deletedDateTime", "postalCode", "externalUserState", "onPremisesSyncEnabled"):
        assert user.has_property(name), name
    assert not user.has_property("@odata.type")


@pytest.mark.parametrize(
    ("type_name", "relationships"),
    [
        ("user", ("manager", "memberOf", "sponsors", "directReports", "transitiveMemberOf", "photo")),
        ("group", ("members", "owners", "memberOf", "transitiveMembers", "createdOnBehalfOf", "drive")),
        ("invitation", ("invitedUser", "invitedUserSponsors")),
    ],
)
def test_relationships_are_not_properties(type_name: str, relationships: tuple[str, ...]) -> None:
    type_schema = schema(type_name)
    for name in relationships:
        assert name in type_schema.relationships, name
        assert not type_schema.has_property(name), name
        assert type_schema.knows(name), name


def test_complex_values_are_properties_and_collections_render_empty() -> None:
    user = schema("user")
    # passwordProfile, onPremisesExtensionAttributes: complex types (single); assignedLicenses: a
    # collection of complex values; businessPhones: a string collection.
    assert (user.empty("passwordProfile"), user.empty("onPremisesExtensionAttributes")) == (None, None)
    assert (user.empty("assignedLicenses"), user.empty("businessPhones"), user.empty("displayName")) == (
        [],
        [],
        None,
    )
    group = schema("group")
    assert (group.empty("groupTypes"), group.empty("onPremisesProvisioningErrors")) == ([], [])
    assert group.empty("onPremisesSamAccountName") is None


def test_complex_types_have_schemas_too() -> None:
    info = schema("invitedUserMessageInfo")
    assert dict(info.properties) == {
        "ccRecipients": True,
        "customizedMessageBody": False,
        "messageLanguage": False,
    }
    assert info.relationships == frozenset()


def test_unknown_names_are_neither() -> None:
    group = schema("group")
    assert not group.knows("shoeSize")
    assert not group.knows("creationOptions")  # beta only
    with pytest.raises(KeyError):
        group.empty("members")  # a relationship has no value of its own


def test_warm_up_reads_in_a_daemon_thread_and_each_type_is_read_once() -> None:
    thread = warm_up()
    thread.join(timeout=60)
    assert thread.daemon
    assert not thread.is_alive()
    assert all(schema(name) is schema(name) for name in DIRECTORY_TYPES)
