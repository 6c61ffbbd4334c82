"""CleanupSettings: defaults, parsing, every bad value named, and agreement with host.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.cleanup.settings import CleanupSettings
from shared.config import Env
from shared.errors import ConfigurationError
from shared.settings import Settings
from tests.shared.conftest import settings_env

ROOT = Path(__file__).resolve().parents[3]


def cleanup(**values: str) -> CleanupSettings:
    env = Env(values)
    settings = CleanupSettings.from_env(env)
    env.raise_if_problems()
    return settings


def test_defaults_are_safe() -> None:
    settings = Settings.from_env(settings_env()).cleanup
    assert settings == CleanupSettings()
    assert settings.dry_run is False
    assert settings.max_denial_share == 0.5
    assert settings.guard_min_decisions == 10
    assert settings.removal_mode == "remove"
    assert settings.poison_queue_name == "review-cleanup-poison"


def test_values_are_read() -> None:
    settings = cleanup(
        CLEANUP_QUEUE_NAME="guest-cleanup",
        CLEANUP_DRY_RUN="yes",
        CLEANUP_MAX_DENIAL_SHARE="0.25",
        CLEANUP_GUARD_MIN_DECISIONS="40",
        CLEANUP_REMOVAL_MODE="applyDecisions",
        CLEANUP_MAX_DEQUEUE_COUNT="3",
    )
    assert settings == CleanupSettings("guest-cleanup", True, 0.25, 40, "applyDecisions", 3)
    assert settings.poison_queue_name == "guest-cleanup-poison"
    assert cleanup(CLEANUP_DRY_RUN="false").dry_run is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CLEANUP_QUEUE_NAME", "Review_Cleanup"),
        ("CLEANUP_QUEUE_NAME", "a--b"),
        ("CLEANUP_QUEUE_NAME", "x" * 60),  # its poison queue name would pass 63 characters
        ("CLEANUP_DRY_RUN", "maybe"),
        ("CLEANUP_MAX_DENIAL_SHARE", "0"),
        ("CLEANUP_MAX_DENIAL_SHARE", "1.5"),
        ("CLEANUP_MAX_DENIAL_SHARE", "half"),
        ("CLEANUP_MAX_DENIAL_SHARE", "nan"),
        ("CLEANUP_GUARD_MIN_DECISIONS", "0"),
        ("CLEANUP_REMOVAL_MODE", "delete"),
        ("CLEANUP_MAX_DEQUEUE_COUNT", "0"),
    ],
)
def test_bad_values_are_named(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(settings_env(**{name: value}))
    assert caught.value.names == (name,)


def test_max_dequeue_count_agrees_with_host_json_and_the_sample_settings() -> None:
    host = json.loads((ROOT / "host.json").read_text())
    sample = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    env = {k: v for k, v in sample.items() if isinstance(v, str)}
    assert Settings.from_env(env).cleanup.max_dequeue_count == host["extensions"]["queues"]["maxDequeueCount"]
    assert CleanupSettings().max_dequeue_count == host["extensions"]["queues"]["maxDequeueCount"]
    assert host["extensions"]["queues"]["messageEncoding"] == "base64"  # CleanupMessage.encode()'s choice
