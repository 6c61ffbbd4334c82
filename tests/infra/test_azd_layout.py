"""The azd project hangs together: azure.yaml, the parameters azd fills, the outputs the README's
Deploy steps read, the runtime, and what stays out of git and the deployment package."""

from __future__ import annotations

import json
import re
import tomllib

import yaml  # type: ignore[import-untyped]

from tests.infra.app_settings import API, INFRA, MAIN, ROOT
from tests.infra.bicep import BicepFile, evaluate, object_entries

# Set by azd itself; everything else in main.parameters.json is the operator's `azd env set`.
AZD_VALUES = {
    "environmentName": "AZURE_ENV_NAME",
    "location": "AZURE_LOCATION",
    "principalId": "AZURE_PRINCIPAL_ID",
}
# Outputs the Deploy steps use, and what each must be.
OUTPUTS = {
    "AZURE_FUNCTION_NAME": "api.outputs.SERVICE_API_NAME",
    "AZURE_RESOURCE_GROUP": "rg.name",
    "MANAGED_IDENTITY_PRINCIPAL_ID": "apiUserAssignedIdentity.outputs.principalId",
    "AZURE_KEY_VAULT_NAME": "keyVault.outputs.name",
    "WEBHOOK_SECRET_NAME": "keyVault.outputs.webhookSecretName",
    "APPLICATIONINSIGHTS_NAME": "monitoring.outputs.name",
}


def _environment_values() -> dict[str, str]:
    """main.parameters.json as {parameter: azd environment value name}."""
    mapping = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    return {name: entry["value"].removeprefix("${").removesuffix("}") for name, entry in mapping.items()}


def _readme_deploy_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Deploy to Azure\n", 1)[1].split("\n## ", 1)[0]


def test_azure_yaml_deploys_this_folder_as_a_python_function_app() -> None:
    project = yaml.safe_load((ROOT / "azure.yaml").read_text(encoding="utf-8"))
    assert project["services"] == {"api": {"project": ".", "language": "python", "host": "function"}}
    site = BicepFile.read(API).get("module", "api").body["params"]
    assert "'azd-service-name': serviceName" in site  # how azd finds the app to deploy to
    assert BicepFile.read(API).get("param", "serviceName").default == "'api'"


def test_every_parameter_comes_from_the_azd_environment() -> None:
    parameters = {p.name for p in BicepFile.read(MAIN).of_kind("param")}
    values = _environment_values()
    assert set(values) == parameters
    assert {name: values[name] for name in AZD_VALUES} == AZD_VALUES


def test_flex_consumption_python_matching_the_project() -> None:
    main = BicepFile.read(MAIN)
    plan = object_entries(object_entries(main.get("module", "appServicePlan").body["params"])["sku"])
    assert plan == {"name": "'FC1'", "tier": "'FlexConsumption'"}
    api = object_entries(main.get("module", "api").body["params"])
    assert evaluate(api["runtimeName"], {}) == "python"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert (
        "py" + evaluate(api["runtimeVersion"], {}).replace(".", "")
        == pyproject["tool"]["ruff"]["target-version"]
    )


def test_the_outputs_the_deploy_steps_read() -> None:
    outputs = {o.name: o.value for o in BicepFile.read(MAIN).of_kind("output")}
    assert {name: outputs.get(name) for name in OUTPUTS} == OUTPUTS
    used = set(re.findall(r"azd env get-value (\w+)", _readme_deploy_section()))
    assert used
    assert used <= set(outputs)


def test_the_readme_deploy_steps_name_every_value_to_set_and_the_grant() -> None:
    section = _readme_deploy_section()
    operator_values = set(_environment_values().values()) - set(AZD_VALUES.values())
    mentioned = set(re.findall(r"azd env set (\w+)", section)) | set(re.findall(r"`(\w+)`", section))
    assert operator_values <= mentioned, sorted(operator_values - mentioned)
    assert "python -m scripts.grant_permissions --principal-id" in section
    assert "[Graph permissions](#graph-permissions)" in section


def test_abbreviations_are_the_ones_used() -> None:
    abbreviations = json.loads((INFRA / "abbreviations.json").read_text(encoding="utf-8"))
    used = set(re.findall(r"abbrs\.(\w+)", (INFRA / "main.bicep").read_text(encoding="utf-8")))
    assert used == set(abbreviations)


def test_azd_state_and_infra_stay_out_of_git_and_the_package() -> None:
    """azd keeps the webhook secret in .azure/<environment>/.env: never committed, never deployed."""
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    funcignore = (ROOT / ".funcignore").read_text(encoding="utf-8").split()
    assert ".azure/" in gitignore
    assert {".azure/", "infra/", "azure.yaml"} <= set(funcignore)
