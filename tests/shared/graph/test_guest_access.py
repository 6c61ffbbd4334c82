"""The account rule every flow applies (``account_verdict``) for a guest leaving several groups at
once, as offboarding does; cleanup's single-group form is tests/shared/cleanup/test_denied_guests.py."""

from __future__ import annotations

import pytest

from shared.graph.guest_access import AccountVerdict, GuestFacts, account_verdict

MANAGED = frozenset({"g-managed-1", "g-managed-2"})


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (frozenset(), (AccountVerdict.DISABLE, None)),
        (MANAGED, (AccountVerdict.DISABLE, None)),  # leaves every group it is in
        (frozenset({"g-managed-1", "g-elsewhere"}), (AccountVerdict.KEPT_OTHER_GROUPS, "1 other groups")),
        (frozenset({"g-elsewhere", "g-nested"}), (AccountVerdict.KEPT_OTHER_GROUPS, "2 other groups")),
    ],
)
def test_a_guest_leaving_many_groups_is_disabled_only_without_others(
    groups: frozenset[str], expected: tuple[AccountVerdict, str | None]
) -> None:
    assert account_verdict(GuestFacts("u", groups, "Guest", True), MANAGED) == expected


def test_gone_members_and_disabled_accounts_are_never_disabled_again() -> None:
    assert account_verdict(GuestFacts("u", None), MANAGED) == (AccountVerdict.USER_NOT_FOUND, None)
    assert account_verdict(GuestFacts("u", MANAGED, "Member", True), MANAGED) == (
        AccountVerdict.KEPT_NOT_GUEST,
        "userType Member",
    )
    assert account_verdict(GuestFacts("u", MANAGED, "Guest", False), MANAGED)[0] is (
        AccountVerdict.ALREADY_DISABLED
    )
