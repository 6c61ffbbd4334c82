"""Bearer tokens the emulator issues, carrying application permissions (``roles``).

Every Graph operation declares the permissions that grant it, least privileged first, as Graph's
permission tables list them; a token holding none of them gets 403. That lets the test suite prove
the app's documented permission list is both sufficient and minimal.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request

from .errors import AuthorizationDenied, InvalidAuthenticationToken

KNOWN_PERMISSIONS: tuple[str, ...] = (
    "AccessReview.Read.All",
    "AccessReview.ReadWrite.All",
    "AccessReview.ReadWrite.Membership",
    "AppRoleAssignment.ReadWrite.All",
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Group.Create",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "RoleManagement.ReadWrite.Directory",
    "User.DeleteRestore.All",
    "User.EnableDisableAccount.All",
    "User.Invite.All",
    "User.Read.All",
    "User.ReadBasic.All",
    "User.ReadWrite.All",
)

TOKEN_LIFETIME_SECONDS = 3599


@dataclass(frozen=True)
class Token:
    roles: frozenset[str]
    expires_at: float  # time.monotonic()
    principal_id: str | None = None  # the service principal it was issued to, if any

    def expires_in(self) -> int:
        return max(0, int(self.expires_at - time.monotonic()))


class TokenStore:
    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}

    def issue(self, value: str, roles: Iterable[str] | None, *, principal_id: str | None = None) -> Token:
        """A token with ``roles`` (every known permission when None), fixed for its lifetime as in
        Entra: changing a principal's app-role assignments affects only tokens issued afterwards."""
        granted = frozenset(KNOWN_PERMISSIONS if roles is None else roles)
        unknown = sorted(granted - set(KNOWN_PERMISSIONS))
        if unknown:
            raise ValueError(f"unknown permissions: {', '.join(unknown)}")
        token = Token(granted, time.monotonic() + TOKEN_LIFETIME_SECONDS, principal_id)
        self._tokens[value] = token
        return token

    def authenticate(self, authorization: str | None) -> Token:
        if not authorization:
            raise InvalidAuthenticationToken("Access token is empty.")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise InvalidAuthenticationToken("Access token validation failure. Invalid audience.")
        token = self._tokens.get(value.strip())
        if token is None:
            raise InvalidAuthenticationToken("Access token validation failure. Invalid audience.")
        if token.expires_at < time.monotonic():
            raise InvalidAuthenticationToken("Lifetime validation failed, the token is expired.")
        return token


def require(request: Request, *permissions: str) -> None:
    """Allow the request when its token holds any of ``permissions`` (Graph lists all that grant it)."""
    unknown = [p for p in permissions if p not in KNOWN_PERMISSIONS]
    assert not unknown, f"operation declares unknown permissions {unknown}"
    token: Token = request.scope["graph_token"]
    if token.roles.isdisjoint(permissions):
        raise AuthorizationDenied()
