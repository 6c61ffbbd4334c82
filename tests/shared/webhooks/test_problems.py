"""The problem catalogue: every refusal a signed endpoint can answer is in a bad-input corpus."""

from __future__ import annotations

from shared.webhooks.problems import PROBLEM_TYPES
from tests.shared.offboarding.test_bad_input import CASES as OFFBOARDING
from tests.shared.onboarding.test_bad_input import CASES as ONBOARDING

# Answered only to a request that passed every check a corpus case can fail: the cool-down refusal
# is tested with its denial in tests/shared/onboarding/test_trigger.py.
NEEDS_STATE = {"guest-recently-denied"}


def test_every_refusal_type_is_in_a_bad_input_corpus() -> None:
    refusals = {slug for slug, status in PROBLEM_TYPES.items() if status < 500}
    covered = {c.slug for c in (*ONBOARDING, *OFFBOARDING)}
    assert refusals - NEEDS_STATE <= covered
