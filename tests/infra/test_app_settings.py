"""infra/, local.settings.sample.json and the code agree on the app settings, and what infra/
deploys loads: Graph through the managed identity, identity-based storage, a first deployment that
only reports (both dry runs on), every other value the app's own default."""

from __future__ import annotations

import json

import pytest

from tests.infra.app_settings import (
    API,
    INFRA,
    KEY_VAULT_REFERENCE,
    MAIN,
    deployed_expressions,
    deployed_values,
    is_host_setting,
    names_the_code_reads,
    parameter_defaults,
    read_settings,
    sample_values,
)
from tests.infra.bicep import REFERENCE, BicepFile, evaluate, object_entries

CLIENT_ID = "6f1b3d2a-8c4e-4f5a-9b7c-2d1e0f3a4b5c"
GROUP = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"
SECRET = "whsec_ZGVwbG95ZWQtdGVzdC1zZWNyZXQtMzItYnl0ZXMhIQ=="
SECRET_NAME = "webhook-secret"
ACCOUNT = "stexample"
# Values ARM would supply: module outputs and the tenant parameters that have no default.
OUTPUTS = {
    "apiUserAssignedIdentity.outputs.clientId": CLIENT_ID,
    "identityClientId": CLIENT_ID,
    "storageAccountName": ACCOUNT,
    "keyVault.outputs.name": "kv-example",
    "keyVault.outputs.webhookSecretName": SECRET_NAME,
    "applicationInsights.properties.ConnectionString": (
        "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
        "IngestionEndpoint=https://example.in.applicationinsights.azure.com/"
    ),
}
TENANT = {"onboardingAllowedGroupIds": GROUP}

# Read by the code, deliberately not deployed: the deployment uses the managed identity, so the
# other auth modes' credentials have no place in Azure, and the emulator is local only.
NOT_DEPLOYED = {
    "AZURE_CLIENT_SECRET": "client_secret mode only",
    "AZURE_CLIENT_CERTIFICATE_PATH": "certificate mode only",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD": "certificate mode only",
    "GRAPH_EMULATOR_URL": "emulator mode only",
    "GRAPH_EMULATOR_ROLES": "emulator mode only",
    "GRAPH_EMULATOR_CLOCK": "emulator mode only",
    "HR_CALLBACK_SECRET": "optional: unset, HR callbacks are signed with WEBHOOK_SECRET (Key Vault)",
}
# Host settings, explicitly: identity-based AzureWebJobsStorage and Application Insights with
# Microsoft Entra ingestion in Azure. No FUNCTIONS_WORKER_RUNTIME: Flex Consumption takes the
# runtime from functionAppConfig and refuses the setting.
INFRA_HOST = {
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
}
# Locally: the Azurite connection string, the worker runtime and worker indexing for Core Tools.
SAMPLE_HOST = {"AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsFeatureFlags"}
# Deliberately not the app's default in a first deployment.
FIRST_DEPLOYMENT = {"GOVERNANCE_DRY_RUN": "true", "CLEANUP_DRY_RUN": "true"}


@pytest.fixture(scope="module")
def deployed() -> dict[str, str]:
    return deployed_values(parameter_defaults() | TENANT | OUTPUTS, {SECRET_NAME: SECRET})


@pytest.fixture(scope="module")
def code_reads(deployed: dict[str, str]) -> set[str]:
    return names_the_code_reads(sample_values(), deployed)


def _app(names: set[str]) -> set[str]:
    return {n for n in names if not is_host_setting(n)}


def test_infra_deploys_every_app_setting_the_code_reads_and_no_other(code_reads: set[str]) -> None:
    deployed_names = set(deployed_expressions())
    assert set(NOT_DEPLOYED) <= _app(code_reads)  # each exclusion is a setting the code really reads
    assert _app(deployed_names) == _app(code_reads) - set(NOT_DEPLOYED)


def test_the_local_sample_lists_every_app_setting_the_code_reads_and_no_other(code_reads: set[str]) -> None:
    assert _app(set(sample_values())) == _app(code_reads)


def test_host_settings_are_the_allowed_ones(code_reads: set[str]) -> None:
    host_deployed = {n for n in deployed_expressions() if is_host_setting(n)}
    assert host_deployed == INFRA_HOST
    assert {n for n in sample_values() if is_host_setting(n)} == SAMPLE_HOST
    # the code itself reads the identity-based names infra/ sets for it
    assert {"AzureWebJobsStorage__accountName", "AzureWebJobsStorage__clientId"} <= code_reads


def test_the_deployed_settings_load_as_a_managed_identity_app(deployed: dict[str, str]) -> None:
    settings = read_settings(deployed)
    assert settings.graph.auth_mode == "managed_identity"
    assert settings.graph.client_id == CLIENT_ID  # the user-assigned identity, not a system one
    assert settings.graph.base_url == "https://graph.microsoft.com/v1.0"
    assert settings.storage.connection_string is None
    assert settings.storage.table_service_uri == f"https://{ACCOUNT}.table.core.windows.net"
    assert settings.storage.client_id == CLIENT_ID
    assert settings.governance.queue_service_uri == f"https://{ACCOUNT}.queue.core.windows.net"
    assert settings.webhook.secret.reveal() == SECRET
    assert settings.onboarding.allowed_group_ids == {GROUP}


def test_a_first_deployment_only_reports(deployed: dict[str, str]) -> None:
    assert {k: deployed[k] for k in FIRST_DEPLOYMENT} == FIRST_DEPLOYMENT
    settings = read_settings(deployed)
    assert settings.governance.dry_run is True
    assert settings.cleanup.dry_run is True


def test_every_other_fixed_value_is_the_apps_default(deployed: dict[str, str]) -> None:
    """A value infra/ fixes (a literal, or a parameter's default) reads as if it were not set.
    Settings derived from resources (identity, Key Vault, storage) and tenant values are not fixed."""
    parameters = parameter_defaults()
    fixed = [
        name
        for name, expression in deployed_expressions().items()
        if not is_host_setting(name)
        and name not in FIRST_DEPLOYMENT
        and _names_in(expression) <= set(parameters)
    ]
    assert len(fixed) >= 35  # nearly all of them: a Bicep refactoring must not empty this test
    full = read_settings(deployed)
    for name in fixed:
        without = {k: v for k, v in deployed.items() if k != name}
        assert read_settings(without) == full, name


def _names_in(expression: str) -> set[str]:
    """The parameters and outputs an expression refers to (none for a plain literal)."""
    if REFERENCE.fullmatch(expression.strip()):
        return {expression.strip()}
    return {inner.split("}")[0] for inner in expression.split("${")[1:]}


def test_tenant_parameters_are_set_with_azd_env_under_the_setting_name() -> None:
    """``azd env set ONBOARDING_ALLOWED_DOMAINS fabrikam.com`` sets the app setting of that name."""
    mapping = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    expressions = deployed_expressions()
    parameters = {p.name for p in BicepFile.read(MAIN).of_kind("param")}
    fed = {expr: name for name, expr in expressions.items() if expr in parameters}
    assert len(fed) >= 9
    for parameter, setting in fed.items():
        assert mapping[parameter]["value"] == "${" + setting + "}", parameter


def test_the_webhook_secret_is_a_key_vault_reference_resolved_with_the_apps_identity() -> None:
    reference = KEY_VAULT_REFERENCE.match(evaluate(deployed_expressions()["WEBHOOK_SECRET"], OUTPUTS))
    assert reference is not None
    assert reference.groups() == ("kv-example", SECRET_NAME)
    keyvault = BicepFile.read(INFRA / "app" / "keyvault.bicep")
    secret = keyvault.get("resource", "secret")
    assert secret.resource_type == "Microsoft.KeyVault/vaults/secrets"
    assert secret.body["name"] == "webhookSecretName"
    assert object_entries(secret.body["properties"])["value"] == "webhookSecret"
    assert keyvault.get("output", "webhookSecretName").value == "secret.name"
    site = object_entries(BicepFile.read(API).get("module", "api").body["params"])
    assert site["keyVaultAccessIdentityResourceId"] == "identityId"  # the user-assigned identity


def test_the_settings_objects_reach_the_function_app() -> None:
    """main.bicep hands its object to api.bicep, which gives both to the site (host settings last)."""
    api = object_entries(BicepFile.read(MAIN).get("module", "api").body["params"])
    assert api["appSettings"] == "appSettings"
    site = object_entries(BicepFile.read(API).get("module", "api").body["params"])
    assert site["appSettingsKeyValuePairs"] == "union(appSettings, hostSettings)"
