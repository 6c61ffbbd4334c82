"""The rule for a denied guest's account, shared by real and dry runs (``account_kept``)."""

from __future__ import annotations

import pytest

from shared.cleanup.audit import Outcome
from shared.cleanup.denied_guests import account_kept
from shared.graph.guest_access import GuestFacts

GROUP, OTHER = "g-reviewed", "g-other"


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        (GuestFacts("u", frozenset(), "Guest", True), None),
        (GuestFacts("u", frozenset({GROUP}), "Guest", True), None),  # still in the reviewed group only
        (GuestFacts("u", frozenset({GROUP}), "guest", None), None),  # enabled unknown: disable
        (GuestFacts("u", None), (Outcome.USER_NOT_FOUND, None)),
        (
            GuestFacts("u", frozenset({GROUP, OTHER}), "Guest", True),
            (Outcome.KEPT_OTHER_GROUPS, "1 other groups"),
        ),
        (GuestFacts("u", frozenset(), "Member", True), (Outcome.KEPT_NOT_GUEST, "userType Member")),
        (GuestFacts("u", frozenset(), "Guest", False), (Outcome.ALREADY_DISABLED, None)),
    ],
)
def test_only_an_enabled_guest_left_with_no_other_group_is_disabled(
    fact: GuestFacts, expected: tuple[Outcome, str | None] | None
) -> None:
    assert account_kept(fact, GROUP) == expected
