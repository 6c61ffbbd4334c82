"""Settings: typed, injectable, fail fast naming every bad setting, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.config import Secret
from shared.errors import ConfigurationError
from shared.settings import Settings
from tests.shared.conftest import FEELGOOD, SECRET, settings_env

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_and_sections() -> None:
    env = settings_env()
    del env["ONBOARDING_DENIED_DOMAINS"], env["ONBOARDING_ALLOWED_REDIRECT_URLS"]
    env.pop("GRAPH_BASE_URL")
    env.pop("GRAPH_AUTH_MODE")
    settings = Settings.from_env(env)
    assert settings.graph.base_url == "https://graph.microsoft.com/v1.0"
    assert settings.graph.auth_mode == "managed_identity"
    assert settings.webhook.tolerance_seconds == 300
    assert settings.onboarding.redirect_url == "https://myapps.microsoft.com"
    assert settings.onboarding.allowed_redirect_urls == {"https://myapps.microsoft.com"}
    assert settings.onboarding.denial_cooldown_days == 90
    assert settings.onboarding.max_batch_guests == 200
    assert settings.onboarding.denied_domains == ()
    assert settings.storage.table_name == "guestkeeper"
    assert FEELGOOD in settings.onboarding.allowed_group_ids


def test_emulator_mode_derives_the_control_plane_url() -> None:
    settings = Settings.from_env(settings_env(GRAPH_BASE_URL="http://127.0.0.1:8765/v1.0/"))
    assert settings.graph.base_url == "http://127.0.0.1:8765/v1.0"
    assert settings.graph.emulator_url == "http://127.0.0.1:8765"
    assert settings.graph.emulator_roles is None


def test_the_emulators_clock_is_the_apps_in_emulator_mode_only() -> None:
    assert Settings.from_env(settings_env()).graph.emulator_clock is False
    assert Settings.from_env(settings_env(GRAPH_EMULATOR_CLOCK="true")).graph.emulator_clock is True
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env(settings_env(GRAPH_AUTH_MODE="managed_identity", GRAPH_EMULATOR_CLOCK="true"))
    assert refused.value.problems == (
        ("GRAPH_EMULATOR_CLOCK", "is for emulator mode only (GRAPH_AUTH_MODE=emulator)"),
    )


def test_every_problem_is_named_at_once() -> None:
    env = settings_env(
        WEBHOOK_TOLERANCE_SECONDS="soon",
        GRAPH_AUTH_MODE="client_secret",
        ONBOARDING_ALLOWED_GROUP_IDS="not-a-guid",
        STATE_TABLE_NAME="no-dashes",
    )
    del env["WEBHOOK_SECRET"], env["AzureWebJobsStorage"]
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env)
    assert set(caught.value.names) == {
        "WEBHOOK_SECRET",
        "WEBHOOK_TOLERANCE_SECONDS",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "ONBOARDING_ALLOWED_GROUP_IDS",
        "STATE_TABLE_NAME",
        "AzureWebJobsStorage",
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ONBOARDING_ALLOWED_GROUP_IDS", ""),
        ("WEBHOOK_SECRET", "whsec_short"),
        ("WEBHOOK_SECRET", "whsec_!!!notbase64!!!"),
        ("WEBHOOK_TOLERANCE_SECONDS", "0"),
        ("GRAPH_AUTH_MODE", "password"),
        ("GRAPH_BASE_URL", "http://graph.example.com/v1.0"),
        ("GRAPH_BASE_URL", "ftp://graph.microsoft.com"),
        ("ONBOARDING_REDIRECT_URL", "http://127.0.0.1/welcome"),
        ("ONBOARDING_ALLOWED_REDIRECT_URLS", "http://partners.contoso.com"),
        ("ONBOARDING_ALLOWED_DOMAINS", "fabrikam.com,not a domain"),
        ("ONBOARDING_MAX_BODY_BYTES", "10"),
        ("ONBOARDING_MAX_BATCH_GUESTS", "5000"),
        ("AZURE_CLIENT_ID", "app-name"),
    ],
)
def test_invalid_values_are_named(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(settings_env(**{name: value}))
    assert caught.value.names == (name,)
    if len(value) > 4:
        assert value not in str(caught.value)  # messages name settings, never echo values


def test_certificate_and_identity_based_storage() -> None:
    env = settings_env(
        GRAPH_AUTH_MODE="certificate",
        AZURE_TENANT_ID="contoso.onmicrosoft.com",
        AZURE_CLIENT_ID="11111111-2222-4333-8444-555555555555",
        AZURE_CLIENT_CERTIFICATE_PATH="/certs/app.pem",
        AzureWebJobsStorage__accountName="gkstore",
    )
    del env["AzureWebJobsStorage"]
    settings = Settings.from_env(env)
    assert settings.graph.certificate_path == "/certs/app.pem"
    assert settings.storage.connection_string is None
    assert settings.storage.table_service_uri == "https://gkstore.table.core.windows.net"


def test_secrets_are_masked_everywhere() -> None:
    settings = Settings.from_env(
        settings_env(
            GRAPH_AUTH_MODE="client_secret",
            AZURE_CLIENT_SECRET="s3cr3t-value",
            AZURE_TENANT_ID="11111111-2222-4333-8444-555555555555",
            AZURE_CLIENT_ID="11111111-2222-4333-8444-555555555555",
        )
    )
    text = repr(settings) + str(settings)
    assert "s3cr3t-value" not in text
    assert SECRET.removeprefix("whsec_") not in text
    assert "AccountKey" not in repr(Settings.from_env(settings_env(AzureWebJobsStorage="AccountKey=abc")))
    assert settings.graph.client_secret is not None
    assert settings.graph.client_secret.reveal() == "s3cr3t-value"
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in settings_env().items():
        monkeypatch.setenv(key, value)
    assert Settings.from_env().webhook.secret == Secret(SECRET)


class RecordingEnviron(dict[str, str]):
    """An environ that remembers every name the settings asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: list[str] = []

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.append(key)
        return super().get(key, default)


def test_the_local_sample_lists_every_setting_and_loads() -> None:
    sample = json.loads((ROOT / "local.settings.sample.json").read_text(encoding="utf-8"))
    values: dict[str, str] = sample["Values"]
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert values["AzureWebJobsFeatureFlags"] == "EnableWorkerIndexing"
    recording = RecordingEnviron(values)
    settings = Settings.from_env(recording)
    alternatives = {
        n for n in recording.asked if n.startswith("AzureWebJobsStorage__")
    }  # identity-based form
    assert set(recording.asked) - alternatives <= set(values)
    assert settings.graph.auth_mode == "emulator"
    assert settings.graph.emulator_url == "http://127.0.0.1:8765"
    seed = json.loads((ROOT / "graph_emulator" / "default_seed.json").read_text(encoding="utf-8"))
    unified = {
        g["id"] for g in seed["groups"] if "Unified" in g["groupTypes"] and not g.get("isAssignableToRole")
    }
    assert settings.onboarding.allowed_group_ids == unified
