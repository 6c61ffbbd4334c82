"""No secret, account key or connection string in infra/ or azure.yaml: storage and Application
Insights take Microsoft Entra tokens only, and the one secret (WEBHOOK_SECRET) arrives at deploy
time as a secure parameter, goes into Key Vault and nowhere else."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.infra.app_settings import INFRA, MAIN, ROOT
from tests.infra.bicep import BicepFile, object_entries, references

KEYVAULT = INFRA / "app" / "keyvault.bicep"
# Shapes of credentials and of the functions that produce them.
FORBIDDEN = {
    "storage account key": re.compile(r"AccountKey|listKeys|listAccountSas|listServiceSas", re.IGNORECASE),
    "connection string": re.compile(
        r"DefaultEndpointsProtocol|UseDevelopmentStorage|listConnectionStrings", re.I
    ),
    "shared access signature": re.compile(r"SharedAccess(Signature|Key)|[?&]sig=", re.IGNORECASE),
    "webhook secret value": re.compile(r"whsec_[A-Za-z0-9+/]{8}"),
    "client secret or password": re.compile(r"client_?secret|password", re.IGNORECASE),
    "instrumentation key": re.compile(r"InstrumentationKey", re.IGNORECASE),
}
# The one connection string infra/ reads: Application Insights', which names the component and
# grants nothing (local authentication is disabled on it, so ingestion needs an Entra token).
APP_INSIGHTS_CONNECTION = "applicationInsights.properties.ConnectionString"


def _files() -> list[Path]:
    return [ROOT / "azure.yaml", *sorted(p for p in INFRA.rglob("*") if p.is_file())]


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_credential_in_the_deployment_files(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for what, pattern in FORBIDDEN.items():
        assert not pattern.search(text), f"{what} in {path.name}"
    assert set(re.findall(r"[\w.]*ConnectionString\w*", text)) <= {APP_INSIGHTS_CONNECTION}, path.name


def test_the_scan_would_see_a_key() -> None:
    """The patterns match what they are for (a pattern that matched nothing would pass anything)."""
    samples = {
        "storage account key": "stg.listKeys().keys[0].value",
        "connection string": "DefaultEndpointsProtocol=https;AccountName=x",
        "shared access signature": "https://x.blob.core.windows.net/c?sv=2022&sig=abc",
        "webhook secret value": "whsec_c2VjcmV0LXZhbHVl",
        "client secret or password": "AZURE_CLIENT_SECRET",
        "instrumentation key": "InstrumentationKey=0000",
    }
    for what, sample in samples.items():
        assert FORBIDDEN[what].search(sample), what


def test_identity_only_access_to_storage_insights_and_key_vault() -> None:
    main = BicepFile.read(MAIN)
    storage = object_entries(main.get("module", "storage").body["params"])
    assert storage["allowSharedKeyAccess"] == "false"
    assert storage["allowBlobPublicAccess"] == "false"
    monitoring = object_entries(main.get("module", "monitoring").body["params"])
    assert monitoring["disableLocalAuth"] == "true"
    vault = object_entries(BicepFile.read(KEYVAULT).get("resource", "vault").body["properties"])
    assert vault["enableRbacAuthorization"] == "true"
    assert "accessPolicies" not in vault


def test_secure_parameters_have_no_default_and_come_from_the_azd_environment() -> None:
    mapping = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    for path in sorted(INFRA.rglob("*.bicep")):
        for param in BicepFile.read(path).of_kind("param"):
            if "@secure()" in param.decorators:
                assert param.default is None, f"{path.name}: {param.name} has a default"
    assert "@secure()" in BicepFile.read(MAIN).get("param", "webhookSecret").decorators
    assert mapping["webhookSecret"] == {"value": "${WEBHOOK_SECRET}"}
    for name, entry in mapping.items():  # every value is an azd environment reference, none a literal
        assert re.fullmatch(r"\$\{[A-Z_]+\}", entry["value"]), name


def test_the_webhook_secret_goes_into_key_vault_and_nowhere_else() -> None:
    main = BicepFile.read(MAIN)
    users = [
        d.name
        for d in main.declarations
        if d.name != "webhookSecret" and "webhookSecret" in references(d.text)
    ]
    assert users == ["keyVault"]
    assert object_entries(main.get("module", "keyVault").body["params"])["webhookSecret"] == "webhookSecret"
    keyvault = BicepFile.read(KEYVAULT)
    users = [
        d.name
        for d in keyvault.declarations
        if d.name != "webhookSecret" and "webhookSecret" in references(d.text)
    ]
    assert users == ["secret"]
    for path in sorted(INFRA.rglob("*.bicep")):
        for output in BicepFile.read(path).of_kind("output"):
            assert "webhookSecret" not in references(output.value), (path.name, output.name)
