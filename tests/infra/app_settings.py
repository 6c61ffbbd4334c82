"""What the code reads and what infra/ deploys, as app settings, for the infra tests.

``settings_entry`` is the only place these tests name the app's settings code: if the settings
classes move, repoint it and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from tests.infra.bicep import BicepFile, evaluate, object_entries
from tests.test_function_app import index_functions

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MAIN = INFRA / "main.bicep"
API = INFRA / "app" / "api.bicep"
# Where infra/ writes app settings: main.bicep the app's own, api.bicep the host's.
SETTINGS_OBJECTS = ((MAIN, "appSettings"), (API, "hostSettings"))
HOST_PREFIXES = ("FUNCTIONS_", "AzureWebJobs", "APPLICATIONINSIGHTS_")
KEY_VAULT_REFERENCE = re.compile(r"^@Microsoft\.KeyVault\(VaultName=([^;]+);SecretName=([^)]+)\)$")
BINDING_EXPRESSION = re.compile(r"%([A-Za-z0-9_]+)%")


def settings_entry() -> tuple[Callable[[Mapping[str, str]], Any], type[Exception]]:
    """The app's settings reader and the error it raises for bad settings."""
    from shared.errors import ConfigurationError
    from shared.settings import Settings

    return Settings.from_env, ConfigurationError


def read_settings(environ: Mapping[str, str]) -> Any:
    """The app's settings from ``environ``, as the worker builds them."""
    read, _ = settings_entry()
    return read(environ)


class _Recording(dict[str, str]):
    """An environ that remembers every name it was asked for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)


def names_read(environ: Mapping[str, str]) -> set[str]:
    """The setting names the settings reader asks for, given ``environ`` (valid or not)."""
    read, invalid = settings_entry()
    recording = _Recording(environ)
    with suppress(invalid):
        read(recording)
    return recording.asked


def names_the_code_reads(*environs: Mapping[str, str]) -> set[str]:
    """Every setting the deployed code reads: what the settings reader asks for (given nothing and
    each of ``environs``, so no branch hides a name), and the ``%NAME%`` expressions and connection
    names of the functions' bindings, which the host resolves."""
    names: set[str] = set()
    for environ in ({}, *environs):
        names |= names_read(environ)
    for function_json in index_functions().values():
        for binding in function_json["bindings"]:
            names |= {
                m for v in binding.values() if isinstance(v, str) for m in BINDING_EXPRESSION.findall(v)
            }
            if "connection" in binding:
                names.add(binding["connection"])
    return names


def is_host_setting(name: str) -> bool:
    return name.startswith(HOST_PREFIXES)


def sample_values() -> dict[str, str]:
    values: dict[str, str] = json.loads((ROOT / "local.settings.sample.json").read_text(encoding="utf-8"))[
        "Values"
    ]
    return values


def deployed_expressions() -> dict[str, str]:
    """Every app setting infra/ deploys, as the Bicep expression that sets it."""
    found: dict[str, str] = {}
    for path, name in SETTINGS_OBJECTS:
        entries = object_entries(BicepFile.read(path).get("var", name).value)
        assert not found.keys() & entries.keys(), f"set twice: {found.keys() & entries.keys()}"
        found |= entries
    return found


def parameter_defaults() -> dict[str, str]:
    """main.bicep's string parameters that have a default, with it."""
    return {
        p.name: evaluate(p.default, {})
        for p in BicepFile.read(MAIN).of_kind("param")
        if p.default is not None and p.header.split()[2] == "string"
    }


def deployed_values(names: Mapping[str, str], secrets: Mapping[str, str]) -> dict[str, str]:
    """The app settings as the Function App sees them: each expression evaluated with ``names``
    (parameters, module outputs), and each Key Vault reference replaced by ``secrets[secret name]``,
    as the platform resolves it."""
    values: dict[str, str] = {}
    for key, expression in deployed_expressions().items():
        value = evaluate(expression, names)
        reference = KEY_VAULT_REFERENCE.match(value)
        values[key] = secrets[reference.group(2)] if reference else value
    return values
