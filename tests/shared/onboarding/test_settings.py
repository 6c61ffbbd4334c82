"""The onboarding section: domain lists as the policy compares them."""

from __future__ import annotations

from shared.config import Env
from shared.onboarding.settings import OnboardingSettings
from tests.shared.conftest import settings_env


def test_domains_lists_are_normalised() -> None:
    env = Env(settings_env(ONBOARDING_ALLOWED_DOMAINS=" Fabrikam.com ,*.Partners.example,"))
    assert OnboardingSettings.from_env(env).allowed_domains == ("fabrikam.com", "*.partners.example")
