"""The Graph application permissions Guestkeeper needs, least privileged, and why.

The emulator checks each operation against the permissions Graph documents for it, and the
tests run each function with exactly its roles and with each one removed, so this list is
proven sufficient and minimal. README's permission table states the same facts, and
tests/reliability/test_least_privilege.py runs the demo story with exactly that table.
"""

from __future__ import annotations

# permission -> the calls that need it
ONBOARDING: dict[str, str] = {
    "User.Invite.All": "POST /invitations",
    "GroupMember.Read.All": "GET /groups/{id}?$select=id,groupTypes,isAssignableToRole (group facts)",
    "GroupMember.ReadWrite.All": "POST /groups/{id}/members/$ref",
}
# Only when requests name a sponsor: Graph offers nothing narrower for POST /users/{id}/sponsors/$ref.
SPONSORS: dict[str, str] = {
    "User.ReadWrite.All": "POST /users/{id}/sponsors/$ref; GET /users/{id} (is the sponsor internal)",
}

# The governance timer (docs/governance.md). A guest's groups come from POST /users/{id}/getMemberGroups,
# which an application may call with User.Read.All + GroupMember.Read.All (user-getmembergroups);
# another user's memberOf would need Directory.Read.All. User.Read.All also covers GET /users/{id}.
# Pending invitations (INVITE_* settings) add the list of pending guests (User.Read.All), the
# reminder (POST /invitations: User.Invite.All), and the expiry's removal from the managed groups
# (GroupMember.ReadWrite.All) and deletion (User.DeleteRestore.All).
GOVERNANCE: dict[str, str] = {
    "AccessReview.ReadWrite.All": "find, create, PUT (and end) the review definition; list its instances",
    "User.Read.All": "GET /users/{id}?$select=..., GET /users?$filter=... (pending invitations); "
    "with GroupMember.Read.All, getMemberGroups (grace, expiry)",
    "GroupMember.Read.All": "with User.Read.All, POST /users/{id}/getMemberGroups (grace deletions, expiry)",
    "User.DeleteRestore.All": "DELETE /users/{id} after the grace period, or when an invitation expires",
    "User.Invite.All": "POST /invitations: the reminder of an invitation never redeemed",
    "GroupMember.ReadWrite.All": "DELETE /groups/{id}/members/{id}/$ref when an invitation expires",
}

# The cleanup queue function (docs/operations.md). Its reads need AccessReview.Read.All (the
# governance permission AccessReview.ReadWrite.All covers them and applyDecisions) and the
# getMemberGroups pair User.Read.All + GroupMember.Read.All (governance's and onboarding's); removals
# GroupMember.ReadWrite.All (onboarding's); disabling a guest needs User.EnableDisableAccount.All
# with User.Read.All, Graph's least privileged pair for accountEnabled.
CLEANUP: dict[str, str] = {
    "User.EnableDisableAccount.All": "PATCH /users/{id} {accountEnabled: false} (with User.Read.All)",
    "User.Read.All": "with User.EnableDisableAccount.All for that PATCH; GET /users/{id}?$select=...; "
    "with GroupMember.Read.All, POST /users/{id}/getMemberGroups",
}

# The offboarding endpoint (docs/operations.md). Finding a guest by address, GET /users?$filter=...,
# needs User.Read.All (user-list, application); its groups the getMemberGroups pair; removals
# GroupMember.ReadWrite.All; disabling the pair for accountEnabled. Onboarding and cleanup hold them
# all already: offboarding adds no permission of its own.
OFFBOARDING: dict[str, str] = {
    "User.Read.All": "GET /users?$filter=(mail eq '...' or otherMails/any(...)) and userType eq 'Guest'; "
    "with GroupMember.Read.All, getMemberGroups; with User.EnableDisableAccount.All, the PATCH",
    "GroupMember.Read.All": "with User.Read.All, POST /users/{id}/getMemberGroups",
    "GroupMember.ReadWrite.All": "DELETE /groups/{id}/members/{id}/$ref (managed groups only)",
    "User.EnableDisableAccount.All": "PATCH /users/{id} {accountEnabled: false} (with User.Read.All)",
}

APP_PERMISSIONS: tuple[str, ...] = tuple(
    dict.fromkeys((*ONBOARDING, *SPONSORS, *GOVERNANCE, *CLEANUP, *OFFBOARDING))
)
