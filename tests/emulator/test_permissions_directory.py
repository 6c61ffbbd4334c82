"""Each directory operation: its least-privileged application permission alone suffices, and a token
holding every other permission the emulator knows (all but the ones Graph documents for it) is
refused with 403 ``Authorization_RequestDenied``.

The accepted sets are written out here from the Graph v1.0 permission tables (see docs/emulator.md),
not imported from the emulator, so a wrong declaration there fails a test here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from msgraph.generated.directory_objects.item.get_member_groups.get_member_groups_post_request_body import (
    GetMemberGroupsPostRequestBody as ObjectMemberGroupsBody,
)
from msgraph.generated.models.group import Group
from msgraph.generated.models.invitation import Invitation
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User
from msgraph.generated.users.item.get_member_groups.get_member_groups_post_request_body import (
    GetMemberGroupsPostRequestBody,
)
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator.auth import KNOWN_PERMISSIONS
from graph_emulator.state import TenantState

from .directory_helpers import (
    ALEX,
    DENIED,
    FEELGOOD,
    GRAPH_ROOT,
    HELPDESK,
    MEGAN,
    REDIRECT,
    RETAIL,
    SALES,
    odata_error,
    ref,
)

Operation = Callable[[GraphServiceClient], Awaitable[object]]
USER_READ = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
GROUP_READ = (
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
MEMBERS_WRITE = ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All")


@dataclass(frozen=True)
class Case:
    name: str
    least: tuple[str, ...]  # the least-privileged permission(s), all needed together
    accepted: tuple[str, ...]  # every permission that takes part in granting it
    run: Operation


def bind_members() -> Group:
    body = Group()
    body.additional_data["members@odata.bind"] = [f"{GRAPH_ROOT}/users/{ALEX}"]
    return body


def new_group() -> Group:
    return Group(display_name="Perm", mail_enabled=False, mail_nickname="perm", security_enabled=True)


CASES = [
    Case("user-get", ("User.Read.All",), USER_READ, lambda g: g.users.by_user_id(MEGAN).get()),
    Case("user-list", ("User.Read.All",), USER_READ, lambda g: g.users.get()),
    Case(
        "user-update",
        ("User.ReadWrite.All",),
        ("User.ReadWrite.All", "Directory.ReadWrite.All"),
        lambda g: g.users.by_user_id(ALEX).patch(User(job_title="Lead")),
    ),
    Case(
        "user-update-accountEnabled",
        ("User.EnableDisableAccount.All", "User.Read.All"),
        ("User.EnableDisableAccount.All", "User.Read.All", "User.ReadWrite.All", "Directory.ReadWrite.All"),
        lambda g: g.users.by_user_id(ALEX).patch(User(account_enabled=False)),
    ),
    Case(
        "user-delete",
        ("User.DeleteRestore.All",),
        ("User.DeleteRestore.All", "User.ReadWrite.All"),
        lambda g: g.users.by_user_id(ALEX).delete(),
    ),
    Case(
        "user-list-memberof",
        ("Directory.Read.All",),
        ("Directory.Read.All", "Directory.ReadWrite.All"),
        lambda g: g.users.by_user_id(MEGAN).member_of.graph_group.get(),
    ),
    Case(  # also User.Read.All + Group.Read.All, or Directory.Read.All (test_user_member_groups.py)
        "user-getmembergroups",
        ("User.Read.All", "GroupMember.Read.All"),
        ("User.Read.All", "GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"),
        lambda g: g.users.by_user_id(MEGAN).get_member_groups.post(
            GetMemberGroupsPostRequestBody(security_enabled_only=False)
        ),
    ),
    Case(
        "directoryobject-getmembergroups",
        ("Directory.Read.All",),
        ("Directory.Read.All",),
        lambda g: g.directory_objects.by_directory_object_id(MEGAN).get_member_groups.post(
            ObjectMemberGroupsBody(security_enabled_only=False)
        ),
    ),
    Case(
        "user-list-sponsors",
        ("User.Read.All",),
        ("User.Read.All", "User.ReadWrite.All"),
        lambda g: g.users.by_user_id(ALEX).sponsors.get(),
    ),
    Case(
        "user-post-sponsors",
        ("User.ReadWrite.All",),
        ("User.ReadWrite.All",),
        lambda g: g.users.by_user_id(ALEX).sponsors.ref.post(ref(RETAIL)),
    ),
    Case(
        "user-delete-sponsors",
        ("User.ReadWrite.All",),
        ("User.ReadWrite.All",),
        lambda g: g.users.by_user_id(ALEX).sponsors.by_directory_object_id(MEGAN).ref.delete(),
    ),
    Case(
        "invitation-post",
        ("User.Invite.All",),
        ("User.Invite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"),
        lambda g: g.invitations.post(
            Invitation(invited_user_email_address="perm@fabrikam.example", invite_redirect_url=REDIRECT)
        ),
    ),
    Case(
        "group-post-groups",
        ("Group.Create",),
        ("Group.Create", "Group.ReadWrite.All", "Directory.ReadWrite.All"),
        lambda g: g.groups.post(new_group()),
    ),
    Case("group-get", ("GroupMember.Read.All",), GROUP_READ, lambda g: g.groups.by_group_id(FEELGOOD).get()),
    Case("group-list", ("GroupMember.Read.All",), GROUP_READ, lambda g: g.groups.get()),
    Case(
        "group-update",
        ("Group.ReadWrite.All",),
        ("Group.ReadWrite.All", "Directory.ReadWrite.All"),
        lambda g: g.groups.by_group_id(SALES).patch(Group(description="x")),
    ),
    Case(
        "group-delete",
        ("Group.ReadWrite.All",),
        ("Group.ReadWrite.All",),
        lambda g: g.groups.by_group_id(SALES).delete(),
    ),
    Case(
        "group-list-members",
        ("GroupMember.Read.All",),
        (*GROUP_READ, "GroupMember.ReadWrite.All"),
        lambda g: g.groups.by_group_id(FEELGOOD).members.graph_user.get(),
    ),
    Case(
        "group-list-owners",
        ("GroupMember.Read.All",),
        (*GROUP_READ, "GroupMember.ReadWrite.All"),
        lambda g: g.groups.by_group_id(FEELGOOD).owners.get(),
    ),
    Case(
        "group-post-members",
        ("GroupMember.ReadWrite.All",),
        MEMBERS_WRITE,
        lambda g: g.groups.by_group_id(SALES).members.ref.post(ref(ALEX)),
    ),
    Case(
        "group-update-members-bind",
        ("GroupMember.ReadWrite.All",),
        MEMBERS_WRITE,
        lambda g: g.groups.by_group_id(SALES).patch(bind_members()),
    ),
    Case(
        "group-delete-members",
        ("GroupMember.ReadWrite.All",),
        MEMBERS_WRITE,
        lambda g: g.groups.by_group_id(FEELGOOD).members.by_directory_object_id(ALEX).ref.delete(),
    ),
    Case(
        "group-post-members-role-assignable",
        ("GroupMember.ReadWrite.All", "RoleManagement.ReadWrite.Directory"),
        (*MEMBERS_WRITE, "RoleManagement.ReadWrite.Directory"),
        lambda g: g.groups.by_group_id(HELPDESK).members.ref.post(ref(ALEX)),
    ),
    Case(
        "group-post-owners",
        ("Group.ReadWrite.All",),
        ("Group.ReadWrite.All", "Directory.ReadWrite.All"),
        lambda g: g.groups.by_group_id(SALES).owners.ref.post(ref(ALEX)),
    ),
    Case(
        "deleteditems-list-users",
        ("User.Read.All",),
        USER_READ,
        lambda g: g.directory.deleted_items.graph_user.get(),
    ),
    Case(
        "deleteditems-list-groups",
        ("Group.Read.All",),
        ("Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
        lambda g: g.directory.deleted_items.graph_group.get(),
    ),
    Case(
        "deleteditems-get-user",
        ("User.Read.All",),
        USER_READ,
        lambda g: g.directory.deleted_items.by_directory_object_id(MEGAN).get(),
    ),
    Case(
        "deleteditems-restore-user",
        ("User.DeleteRestore.All",),
        ("User.DeleteRestore.All", "User.ReadWrite.All"),
        lambda g: g.directory.deleted_items.by_directory_object_id(MEGAN).restore.post(),
    ),
    Case(
        "deleteditems-restore-group",
        ("Group.ReadWrite.All",),
        ("Group.ReadWrite.All",),
        lambda g: g.directory.deleted_items.by_directory_object_id(RETAIL).restore.post(),
    ),
    Case(
        "deleteditems-delete-user",
        ("User.DeleteRestore.All",),
        ("User.DeleteRestore.All", "User.ReadWrite.All"),
        lambda g: g.directory.deleted_items.by_directory_object_id(MEGAN).delete(),
    ),
]


def prepare(state: TenantState, case: Case) -> None:
    """State some operations need: a sponsor to remove, deleted objects to read or restore."""
    state.directory.users[ALEX].sponsors.append(MEGAN)
    if case.name.startswith("deleteditems"):
        state.directory.users[MEGAN].deleted = state.clock.now()
        state.directory.groups[RETAIL].deleted = state.clock.now()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_least_privileged_permission_suffices(case: Case, make_graph, emulator_state) -> None:
    prepare(emulator_state, case)
    await case.run(make_graph(case.least))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_every_other_permission_is_refused(case: Case, make_graph, emulator_state) -> None:
    prepare(emulator_state, case)
    others = [p for p in KNOWN_PERMISSIONS if p not in case.accepted]
    with pytest.raises(ODataError) as caught:
        await case.run(make_graph(others))
    assert odata_error(caught) == (403, "Authorization_RequestDenied", DENIED)


COMBINATIONS = [c for c in CASES if len(c.least) > 1]


@pytest.mark.parametrize("case", COMBINATIONS, ids=[c.name for c in COMBINATIONS])
async def test_each_half_of_a_combination_is_not_enough(case: Case, make_graph, emulator_state) -> None:
    prepare(emulator_state, case)
    for permission in case.least:
        with pytest.raises(ODataError) as caught:
            await case.run(make_graph([permission]))
        assert odata_error(caught) == (403, "Authorization_RequestDenied", DENIED)
