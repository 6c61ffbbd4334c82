"""App settings: ``local.settings.json`` into the environment, and ``%SETTING%`` binding expressions.

Precedence follows Core Tools (``func start``): a ``Values`` entry is applied only when the
environment variable is missing or empty; a variable that is already set wins and the entry is
skipped with Core Tools' own warning. Settings are applied before ``function_app`` is imported,
so module-level code sees them, as it does under the real host.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("devhost")

SETTINGS_FILE = "local.settings.json"
SAMPLE_FILE = "local.settings.sample.json"
_EXPRESSION = re.compile(r"%([^%]+)%")
_SKIPPING = "Skipping '%s' from local settings as it's already defined in current environment variables."


class SettingsError(ValueError):
    """A settings file or a binding expression the host would refuse."""


@dataclass(frozen=True)
class LocalSettings:
    path: Path | None
    values: dict[str, str] = field(default_factory=dict)
    host: dict[str, Any] = field(default_factory=dict)

    @property
    def local_http_port(self) -> int | None:
        port = self.host.get("LocalHttpPort")
        return int(port) if port is not None else None


@dataclass(frozen=True)
class AppliedSettings:
    applied: list[str]
    skipped: list[str]


def find_settings_file(app_dir: Path, explicit: Path | None = None) -> Path | None:
    """The explicit file, else ``local.settings.json``, else the committed sample, else none."""
    if explicit is not None:
        if not explicit.exists():
            raise SettingsError(f"settings file {explicit} does not exist")
        return explicit
    for name in (SETTINGS_FILE, SAMPLE_FILE):
        candidate = app_dir / name
        if candidate.exists():
            return candidate
    return None


def _as_setting(key: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise SettingsError(f"Values.{key} must be a string, number or boolean")


def read_local_settings(path: Path | None) -> LocalSettings:
    if path is None:
        return LocalSettings(path=None)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{path} is not valid JSON: {exc}") from exc
    if data.get("IsEncrypted"):
        raise SettingsError(f"{path} is encrypted (IsEncrypted: true); devhost reads plain values only")
    values = data.get("Values") or {}
    if not isinstance(values, dict):
        raise SettingsError(f"{path}: 'Values' must be an object")
    return LocalSettings(
        path=path,
        values={key: _as_setting(key, value) for key, value in values.items()},
        host=dict(data.get("Host") or {}),
    )


def apply_values(values: Mapping[str, str], environ: MutableMapping[str, str]) -> AppliedSettings:
    """Copy settings into ``environ`` without overriding variables already set (Core Tools' rule)."""
    applied: list[str] = []
    skipped: list[str] = []
    for key, value in values.items():
        if environ.get(key):
            log.warning(_SKIPPING, key)
            skipped.append(key)
        else:
            environ[key] = value
            applied.append(key)
    return AppliedSettings(applied, skipped)


def resolve_expression(value: str, environ: Mapping[str, str]) -> str:
    """Replace every ``%NAME%`` with the app setting, failing with the host's message when unset."""

    def substitute(match: re.Match[str]) -> str:
        resolved = environ.get(match.group(1))
        if resolved is None:
            raise SettingsError(f"'%{match.group(1)}%' does not resolve to a value.")
        return resolved

    return _EXPRESSION.sub(substitute, value)


def resolve_connection(name: str | None, environ: Mapping[str, str]) -> str:
    """The connection string a binding's ``connection`` names (``X``, then ``AzureWebJobsX``)."""
    name = resolve_expression(name or "AzureWebJobsStorage", environ)
    for candidate in (name, f"AzureWebJobs{name}"):
        value = environ.get(candidate)
        if value:
            return value
    if environ.get(f"{name}__queueServiceUri") or environ.get(f"{name}__serviceUri"):
        raise SettingsError(f"Connection '{name}' is identity-based; devhost needs a connection string.")
    raise SettingsError(
        f"Storage account connection string '{name}' does not exist. "
        "Make sure that it is a defined App Setting."
    )
