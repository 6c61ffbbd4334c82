"""The offboarding section: safe defaults, each bad value named."""

from __future__ import annotations

import pytest

from shared.config import Env
from shared.errors import ConfigurationError
from shared.offboarding.settings import OffboardingSettings
from shared.settings import Settings
from tests.shared.conftest import settings_env


def test_defaults_write_for_real_within_onboardings_limits() -> None:
    assert OffboardingSettings.from_env(Env(settings_env())) == OffboardingSettings(
        dry_run=False, max_body_bytes=262_144, max_batch_guests=200
    )


def test_each_bad_value_is_named() -> None:
    env = settings_env(
        OFFBOARDING_DRY_RUN="maybe", OFFBOARDING_MAX_BODY_BYTES="12", OFFBOARDING_MAX_BATCH_GUESTS="lots"
    )
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env)
    assert set(caught.value.names) == {
        "OFFBOARDING_DRY_RUN",
        "OFFBOARDING_MAX_BODY_BYTES",
        "OFFBOARDING_MAX_BATCH_GUESTS",
    }
