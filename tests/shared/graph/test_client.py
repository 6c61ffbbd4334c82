"""The client factory from settings: credentials per auth mode, the emulator's token endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from azure.identity.aio import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential

from shared.graph.client import (
    EmulatorClock,
    EmulatorTokenCredential,
    credential_from_settings,
    graph_client_from_settings,
    graph_scopes,
)
from shared.graph.permissions import APP_PERMISSIONS
from tests.shared.conftest import FEELGOOD, make_settings

TENANT = "11111111-2222-4333-8444-555555555555"


def self_signed_pem(folder: Path) -> Path:
    """A throwaway certificate + key in PEM, as CertificateCredential reads at construction."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "guestkeeper-test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = folder / "app.pem"
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem_key + cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        ({"GRAPH_AUTH_MODE": "managed_identity"}, ManagedIdentityCredential),
        (
            {
                "GRAPH_AUTH_MODE": "client_secret",
                "AZURE_TENANT_ID": TENANT,
                "AZURE_CLIENT_ID": TENANT,
                "AZURE_CLIENT_SECRET": "x",
            },
            ClientSecretCredential,
        ),
        (
            {
                "GRAPH_AUTH_MODE": "certificate",
                "AZURE_TENANT_ID": TENANT,
                "AZURE_CLIENT_ID": TENANT,
                "AZURE_CLIENT_CERTIFICATE_PATH": "/nonexistent.pem",
            },
            CertificateCredential,
        ),
        ({"GRAPH_AUTH_MODE": "emulator"}, EmulatorTokenCredential),
    ],
)
async def test_credential_per_mode(env: dict[str, str], kind: type, tmp_path: Path) -> None:
    if "AZURE_CLIENT_CERTIFICATE_PATH" in env:
        env = env | {"AZURE_CLIENT_CERTIFICATE_PATH": str(self_signed_pem(tmp_path))}
    credential = credential_from_settings(make_settings(**env).graph)
    assert isinstance(credential, kind)
    await credential.close()


async def test_emulator_credential_fetches_and_caches_a_token(emulator, emulator_state) -> None:
    credential = EmulatorTokenCredential(
        "http://127.0.0.1", ["User.Invite.All"], transport=httpx.ASGITransport(app=emulator)
    )
    first = await credential.get_token("https://graph.microsoft.com/.default")
    second = await credential.get_token("https://graph.microsoft.com/.default")
    assert first.token == second.token
    assert emulator_state.tokens.authenticate(f"Bearer {first.token}").roles == {"User.Invite.All"}


def test_emulator_clock_reads_the_emulators_business_clock_on_every_call() -> None:
    answers = iter(["2027-01-15T01:00:00Z", "2027-02-24T01:00:00Z"])
    asked: list[str] = []

    def control_plane(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.method} {request.url}")
        return httpx.Response(200, json={"now": next(answers), "ticking": False})

    clock = EmulatorClock("http://127.0.0.1:8765/", transport=httpx.MockTransport(control_plane))
    assert clock() == datetime(2027, 1, 15, 1, tzinfo=UTC)
    assert clock() == datetime(2027, 2, 24, 1, tzinfo=UTC)  # moved there: seen at once, nothing cached
    assert asked == ["GET http://127.0.0.1:8765/_emulator/clock"] * 2
    clock.close()


async def test_client_from_settings_talks_to_the_emulator_with_the_app_permissions(
    emulator, emulator_state
) -> None:
    settings = make_settings(GRAPH_BASE_URL="http://127.0.0.1:8765/v1.0/")
    graph = graph_client_from_settings(settings.graph, transport=httpx.ASGITransport(app=emulator))
    assert graph.request_adapter.base_url == "http://127.0.0.1:8765/v1.0"
    group = await graph.groups.by_group_id(FEELGOOD).get()
    assert group is not None
    assert group.id == FEELGOOD
    token = next(iter(emulator_state.tokens._tokens.values()))
    assert token.roles == frozenset(APP_PERMISSIONS)


@pytest.mark.parametrize(
    ("base_url", "mode", "scope"),
    [
        ("https://graph.microsoft.com/v1.0", "managed_identity", "https://graph.microsoft.com/.default"),
        ("https://graph.microsoft.us/v1.0", "managed_identity", "https://graph.microsoft.us/.default"),
        (
            "https://microsoftgraph.chinacloudapi.cn/v1.0",
            "managed_identity",
            "https://microsoftgraph.chinacloudapi.cn/.default",
        ),
        ("http://127.0.0.1:8765/v1.0", "emulator", "https://graph.microsoft.com/.default"),
    ],
)
def test_token_scope_follows_the_cloud(base_url: str, mode: str, scope: str) -> None:
    assert graph_scopes(make_settings(GRAPH_BASE_URL=base_url, GRAPH_AUTH_MODE=mode).graph) == [scope]
