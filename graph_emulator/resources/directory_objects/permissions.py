"""Permission sets for the directory operations, least privileged first, as Graph documents them.

Each tuple lists the application permissions that grant one operation; ``auth.require`` accepts
any of them. Sources are the Microsoft Graph v1.0 API pages named beside each constant (see
docs/emulator.md for the table). Where Graph needs two permissions *together* (a combination),
``require_all`` checks each requirement in turn.
"""

from __future__ import annotations

from starlette.requests import Request

from ...auth import Token, require

# user-get, user-list (List users / Get user pages; User.ReadBasic.All is not accepted app-only)
USER_READ = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
# user-update: general properties
USER_UPDATE = ("User.ReadWrite.All", "Directory.ReadWrite.All")
# user-update, accountEnabled only: User.EnableDisableAccount.All together with User.Read.All
ACCOUNT_ENABLE = "User.EnableDisableAccount.All"
# user-delete; directory-deleteditems-restore / -delete for users
USER_DELETE_RESTORE = ("User.DeleteRestore.All", "User.ReadWrite.All")
# user-list-memberof ("Permissions for another user's direct memberships", application)
USER_MEMBER_OF = ("Directory.Read.All", "Directory.ReadWrite.All")
# user-getmembergroups ("Group memberships for a user", application, en-us page), least privileged
# first: User.Read.All + GroupMember.Read.All, User.Read.All + Group.Read.All, Directory.Read.All.
# The pair is written as requirements for ``require_all`` (each a tuple of alternatives).
MEMBER_GROUPS_PAIR = (("User.Read.All",), ("GroupMember.Read.All", "Group.Read.All"))
MEMBER_GROUPS_DIRECTORY = "Directory.Read.All"
# directoryobject-getmembergroups ("Group memberships for a directory object": any object type)
OBJECT_MEMBER_GROUPS = ("Directory.Read.All",)
# user-list-sponsors; user-post-sponsors / user-delete-sponsors
SPONSORS_READ = ("User.Read.All", "User.ReadWrite.All")
SPONSORS_WRITE = ("User.ReadWrite.All",)
# invitation-post
INVITE = ("User.Invite.All", "User.ReadWrite.All", "Directory.ReadWrite.All")
# group-post-groups
GROUP_CREATE = ("Group.Create", "Group.ReadWrite.All", "Directory.ReadWrite.All")
# group-get, group-list
GROUP_READ = (
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
# group-update; group-delete (delete: Group.ReadWrite.All only)
GROUP_UPDATE = ("Group.ReadWrite.All", "Directory.ReadWrite.All")
GROUP_DELETE = ("Group.ReadWrite.All",)
# group-list-members, group-list-owners
MEMBERS_READ = (*GROUP_READ, "GroupMember.ReadWrite.All")
# group-post-members, group-delete-members (user members)
MEMBERS_WRITE = ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All")
# group-post-owners, group-delete-owners
OWNERS_WRITE = ("Group.ReadWrite.All", "Directory.ReadWrite.All")
# role-assignable groups: membership changes and isAssignableToRole need this in addition
ROLE_MANAGEMENT = "RoleManagement.ReadWrite.Directory"
# directory-deleteditems-list / -get
DELETED_USERS_READ = USER_READ
DELETED_GROUPS_READ = (
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
DELETED_GROUPS_WRITE = ("Group.ReadWrite.All",)


def token(request: Request) -> Token:
    value: Token = request.scope["graph_token"]
    return value


def holds(request: Request, permission: str) -> bool:
    return permission in token(request).roles


def require_all(request: Request, *requirements: tuple[str, ...]) -> None:
    """Allow only when every requirement (a tuple of alternatives) is met; else 403."""
    for alternatives in requirements:
        require(request, *alternatives)


def require_account_update(request: Request) -> None:
    """PATCH of ``accountEnabled`` alone: User.EnableDisableAccount.All + User.Read.All suffice."""
    if token(request).roles.isdisjoint(USER_UPDATE):
        require_all(request, (ACCOUNT_ENABLE,), ("User.Read.All",))


def require_member_groups(request: Request) -> None:
    """``POST /users/{id}/getMemberGroups``: User.Read.All together with GroupMember.Read.All or
    Group.Read.All, or Directory.Read.All alone."""
    if not holds(request, MEMBER_GROUPS_DIRECTORY):
        require_all(request, *MEMBER_GROUPS_PAIR)
