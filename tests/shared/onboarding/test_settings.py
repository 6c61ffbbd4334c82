"""The onboarding sections: domain lists as the policy compares them, the webhook secret's key."""

from __future__ import annotations

from shared.config import Env, Secret, webhook_key
from shared.onboarding.settings import OnboardingSettings
from tests.shared.conftest import SECRET, settings_env


def test_domains_lists_are_normalised() -> None:
    env = Env(settings_env(ONBOARDING_ALLOWED_DOMAINS=" Fabrikam.com ,*.Partners.example,"))
    assert OnboardingSettings.from_env(env).allowed_domains == ("fabrikam.com", "*.partners.example")


def test_webhook_key_accepts_unprefixed_and_unpadded_base64() -> None:
    assert webhook_key(Secret(SECRET)) == webhook_key(Secret(SECRET.removeprefix("whsec_").rstrip("=")))
    assert webhook_key(Secret("whsec_")) is None
