"""Typed settings, read once from the environment, failing fast with every bad setting named.

``Settings.from_env(environ)`` is the only place the app reads app settings. It is built from
sections (Graph, webhook, onboarding, storage); later features add a section class with a
``from_env(env)`` classmethod and one field on ``Settings``. Nothing here runs at import time, and
secrets are held in ``Secret`` so that no ``repr`` or log line can show them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast
from urllib.parse import urlsplit

from shared.cleanup.settings import CleanupSettings
from shared.errors import ConfigurationError
from shared.governance.settings import GovernanceSettings

AuthMode = Literal["managed_identity", "client_secret", "certificate", "emulator"]
AUTH_MODES: tuple[AuthMode, ...] = ("managed_identity", "client_secret", "certificate", "emulator")
PUBLIC_CLOUD = "https://graph.microsoft.com/v1.0"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DOMAIN = re.compile(r"^(\*\.)?(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{2,62}$")


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
        )


@dataclass(frozen=True)
class WebhookSettings:
    secret: Secret  # "whsec_" + base64, as Standard Webhooks defines it
    tolerance_seconds: int

    @classmethod
    def from_env(cls, env: Env) -> WebhookSettings:
        secret = env.secret("WEBHOOK_SECRET", required=True)
        if secret is not None and webhook_key(secret) is None:
            env.problem("WEBHOOK_SECRET", "must be 'whsec_' followed by base64 of at least 16 bytes")
        tolerance = env.integer("WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1, maximum=3600)
        return cls(secret=secret or Secret(""), tolerance_seconds=tolerance)


def webhook_key(secret: Secret) -> bytes | None:
    """The HMAC key of a Standard Webhooks secret, or None if it is not valid base64 of 16+ bytes."""
    text = secret.reveal().removeprefix("whsec_")
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) >= 16 else None


@dataclass(frozen=True)
class OnboardingSettings:
    allowed_group_ids: frozenset[str]  # lower-case object ids
    allowed_domains: tuple[str, ...]  # empty: any domain not denied; "*.x.com" matches subdomains
    denied_domains: tuple[str, ...]
    redirect_url: str
    allowed_redirect_urls: frozenset[str]  # always includes redirect_url
    denial_cooldown_days: int
    max_body_bytes: int
    max_batch_guests: int

    @classmethod
    def from_env(cls, env: Env) -> OnboardingSettings:
        groups = env.items("ONBOARDING_ALLOWED_GROUP_IDS")
        if not groups:
            env.problem(
                "ONBOARDING_ALLOWED_GROUP_IDS", "is required: the object ids of the groups guests may join"
            )
        elif any(not GUID.match(g) for g in groups):
            env.problem("ONBOARDING_ALLOWED_GROUP_IDS", "must be a comma-separated list of group object ids")
        redirect = env.url("ONBOARDING_REDIRECT_URL", "https://myapps.microsoft.com", https_only=True)
        allowed_redirects = {redirect}
        for value in env.items("ONBOARDING_ALLOWED_REDIRECT_URLS"):
            parts = urlsplit(value)
            if parts.scheme != "https" or not parts.hostname:
                env.problem("ONBOARDING_ALLOWED_REDIRECT_URLS", "must list absolute https URLs")
            allowed_redirects.add(value.rstrip("/"))
        return cls(
            allowed_group_ids=frozenset(g.lower() for g in groups),
            allowed_domains=_domains(env, "ONBOARDING_ALLOWED_DOMAINS"),
            denied_domains=_domains(env, "ONBOARDING_DENIED_DOMAINS"),
            redirect_url=redirect,
            allowed_redirect_urls=frozenset(allowed_redirects),
            denial_cooldown_days=env.integer("ONBOARDING_DENIAL_COOLDOWN_DAYS", 90, minimum=0, maximum=3650),
            max_body_bytes=env.integer(
                "ONBOARDING_MAX_BODY_BYTES", 262_144, minimum=1024, maximum=10 * 1024 * 1024
            ),
            max_batch_guests=env.integer("ONBOARDING_MAX_BATCH_GUESTS", 200, minimum=1, maximum=1000),
        )


def _domains(env: Env, name: str) -> tuple[str, ...]:
    domains = tuple(d.lower().rstrip(".") for d in env.items(name))
    if any(not DOMAIN.match(d) for d in domains):
        env.problem(
            name, "must be a comma-separated list of domains such as 'fabrikam.com' or '*.fabrikam.com'"
        )
    return domains


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


@dataclass(frozen=True)
class Settings:
    graph: GraphSettings
    webhook: WebhookSettings
    onboarding: OnboardingSettings
    storage: StorageSettings
    cleanup: CleanupSettings
    governance: GovernanceSettings

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every section; raise one ``ConfigurationError`` naming each missing or invalid setting."""
        env = Env(os.environ if environ is None else environ)
        settings = cls(
            graph=GraphSettings.from_env(env),
            webhook=WebhookSettings.from_env(env),
            onboarding=OnboardingSettings.from_env(env),
            storage=StorageSettings.from_env(env),
            cleanup=CleanupSettings.from_env(env),
            governance=GovernanceSettings.from_env(env),
        )
        env.raise_if_problems()
        return settings
