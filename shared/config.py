"""How settings are read, and the sections every flow shares: Graph access and the storage account.

``Env`` reads typed values and collects every problem, so that one ``ConfigurationError`` names
all bad settings; each section is a frozen dataclass with a ``from_env(env)`` classmethod. Each
flow keeps its own section beside its code (``shared/<flow>/settings.py``) and ``shared.settings``
puts them together. Nothing here runs at import time, and secrets are held in ``Secret`` so that
no ``repr`` or log line can show them.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast
from urllib.parse import urlsplit

from shared.errors import ConfigurationError

AuthMode = Literal["managed_identity", "client_secret", "certificate", "emulator"]
AUTH_MODES: tuple[AuthMode, ...] = ("managed_identity", "client_secret", "certificate", "emulator")
PUBLIC_CLOUD = "https://graph.microsoft.com/v1.0"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{2,62}$")
# Azure queue names: 3-63 lower-case letters, digits and single hyphens, no hyphen at either end.
QUEUE_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$")
POISON_SUFFIX = "-poison"  # the host's poison queue for a queue trigger is <queue>-poison


class Secret:
    """A secret value whose ``repr``/``str`` are masked; call ``reveal()`` where it is used."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(("Secret", len(self._value)))


class Env:
    """Reads typed values and collects every problem, so one error names all bad settings."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self.problems: list[tuple[str, str]] = []

    def problem(self, name: str, message: str) -> None:
        self.problems.append((name, message))

    def text(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self._environ.get(name, "").strip()
        if value:
            return value
        if required:
            self.problem(name, "is required")
        return default

    def secret(self, name: str, *, required: bool = False) -> Secret | None:
        value = self.text(name, required=required)
        return Secret(value) if value else None

    def boolean(self, name: str, default: bool) -> bool:
        """``true/false`` (also ``1/0``, ``yes/no``, ``on/off``), case-insensitive."""
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() in TRUE_WORDS:
            return True
        if raw.lower() not in FALSE_WORDS:
            self.problem(name, "must be true or false")
            return default
        return False

    def integer(self, name: str, default: int, *, minimum: int, maximum: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problem(name, f"must be an integer, not {raw!r}")
            return default
        if not minimum <= value <= maximum:
            self.problem(name, f"must be between {minimum} and {maximum}")
            return default
        return value

    def items(self, name: str) -> tuple[str, ...]:
        """A comma-separated list; blanks ignored, order kept, duplicates dropped."""
        raw = self.text(name) or ""
        return tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))

    def url(self, name: str, default: str, *, https_only: bool) -> str:
        value = (self.text(name) or default).rstrip("/")
        parts = urlsplit(value)
        loopback = (parts.hostname or "") in LOOPBACK_HOSTS
        if parts.scheme not in ("https", "http") or not parts.hostname:
            self.problem(name, "must be an absolute http(s) URL")
        elif parts.scheme == "http" and (https_only or not loopback):
            self.problem(name, "must use https (http is allowed only for loopback hosts)")
        return value

    def queue_name(self, name: str, default: str) -> str:
        """The name of a queue a trigger reads: it leaves room for the host's ``-poison`` queue."""
        queue = self.text(name) or default
        if not QUEUE_NAME.match(queue) or len(queue + POISON_SUFFIX) > 63:
            self.problem(
                name,
                "must be 3-56 lower-case letters, digits or single hyphens (its poison queue adds '-poison')",
            )
        return queue

    def raise_if_problems(self) -> None:
        if self.problems:
            raise ConfigurationError(self.problems)


@dataclass(frozen=True)
class GraphSettings:
    base_url: str
    auth_mode: AuthMode
    tenant_id: str | None
    client_id: str | None
    client_secret: Secret | None
    certificate_path: str | None
    certificate_password: Secret | None
    emulator_url: str
    emulator_roles: tuple[str, ...] | None  # None: every permission the app documents
    # The app's clock is the emulator's business clock, so that time moved there moves the app's
    # days too (reminders, expiries, grace deletions): local stories such as make demo.
    emulator_clock: bool = False

    @classmethod
    def from_env(cls, env: Env) -> GraphSettings:
        base_url = env.url("GRAPH_BASE_URL", PUBLIC_CLOUD, https_only=False)
        mode = (env.text("GRAPH_AUTH_MODE") or "managed_identity").lower()
        if mode not in AUTH_MODES:
            env.problem("GRAPH_AUTH_MODE", f"must be one of {', '.join(AUTH_MODES)}")
            mode = "managed_identity"
        needs_app = mode in ("client_secret", "certificate")
        tenant_id = env.text("AZURE_TENANT_ID", required=needs_app)
        client_id = env.text("AZURE_CLIENT_ID", required=needs_app)
        for name, value in (("AZURE_TENANT_ID", tenant_id), ("AZURE_CLIENT_ID", client_id)):
            if value and not GUID.match(value) and not (name == "AZURE_TENANT_ID" and "." in value):
                env.problem(name, "must be a GUID (the tenant may also be a domain name)")
        parts = urlsplit(base_url)
        default_emulator = f"{parts.scheme}://{parts.netloc}"
        roles = env.items("GRAPH_EMULATOR_ROLES")
        emulator_clock = env.boolean("GRAPH_EMULATOR_CLOCK", False)
        if emulator_clock and mode != "emulator":
            env.problem("GRAPH_EMULATOR_CLOCK", "is for emulator mode only (GRAPH_AUTH_MODE=emulator)")
        return cls(
            base_url=base_url,
            auth_mode=cast(AuthMode, mode),
            tenant_id=tenant_id,
            client_id=client_id,
            client_secret=env.secret("AZURE_CLIENT_SECRET", required=mode == "client_secret"),
            certificate_path=env.text("AZURE_CLIENT_CERTIFICATE_PATH", required=mode == "certificate"),
            certificate_password=env.secret("AZURE_CLIENT_CERTIFICATE_PASSWORD"),
            emulator_url=(
                env.url("GRAPH_EMULATOR_URL", default_emulator, https_only=False)
                if env.text("GRAPH_EMULATOR_URL")
                else default_emulator
            ),
            emulator_roles=roles or None,
            emulator_clock=emulator_clock,
        )


@dataclass(frozen=True)
class StorageSettings:
    """The state table in the Functions storage account (connection string or identity-based)."""

    table_name: str
    connection_string: Secret | None
    table_service_uri: str | None
    client_id: str | None  # user-assigned identity for identity-based connections

    @classmethod
    def from_env(cls, env: Env) -> StorageSettings:
        table = env.text("STATE_TABLE_NAME") or "guestkeeper"
        if not TABLE_NAME.match(table):
            env.problem("STATE_TABLE_NAME", "must be 3-63 letters or digits, starting with a letter")
        connection = env.secret("AzureWebJobsStorage")
        uri = env.text("AzureWebJobsStorage__tableServiceUri")
        account = env.text("AzureWebJobsStorage__accountName")
        if uri is None and account is not None:
            uri = f"https://{account}.table.core.windows.net"
        if connection is None and uri is None:
            env.problem(
                "AzureWebJobsStorage",
                "is required (a connection string, or AzureWebJobsStorage__tableServiceUri / __accountName)",
            )
        return cls(
            table_name=table,
            connection_string=connection,
            table_service_uri=uri,
            client_id=env.text("AzureWebJobsStorage__clientId"),
        )
