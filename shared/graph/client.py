"""The one place a ``GraphServiceClient`` is built (the composition root for Graph access).

The SDK's default middleware is kept (retry honouring ``Retry-After``, redirects, URL replace), the
base URL is set on the request adapter without a trailing slash (httpx would otherwise produce
``/v1.0//users``), and nothing is built at import time.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from azure.core.credentials import AccessToken
from azure.core.credentials_async import AsyncTokenCredential
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as graph_default_options
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from shared.config import GraphSettings
from shared.graph.permissions import APP_PERMISSIONS

GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]


class StaticTokenCredential(AsyncTokenCredential):
    """A fixed bearer token: for the Graph emulator, never for a real tenant."""

    def __init__(self, token: str, lifetime_seconds: int = 3600) -> None:
        self._token = token
        self._lifetime = lifetime_seconds

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + self._lifetime)

    async def close(self) -> None:
        return None

    async def __aexit__(self, *args: object) -> None:
        return None


def build_graph_client(
    base_url: str,
    credential: AsyncTokenCredential,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    retry: RetryHandlerOption | None = None,
    timeout: httpx.Timeout | None = None,
    scopes: list[str] | None = None,
) -> GraphServiceClient:
    """A client for ``base_url`` (public cloud, a national cloud, or the emulator)."""
    root = base_url.rstrip("/")
    http = httpx.AsyncClient(
        base_url=root,
        transport=transport,
        timeout=timeout or httpx.Timeout(100.0, connect=30.0),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
    )
    options = dict(graph_default_options)
    if retry is not None:
        options[RetryHandlerOption.get_key()] = retry
    http = GraphClientFactory.create_with_default_middleware(client=http, options=options)
    auth = AzureIdentityAuthenticationProvider(credential, scopes=scopes or GRAPH_SCOPES)
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = root
    return GraphServiceClient(request_adapter=adapter)


class EmulatorTokenCredential(AsyncTokenCredential):
    """Fetches a bearer token from the Graph emulator's control plane (local runs only).

    ``POST {emulator_url}/_emulator/token`` with the configured roles or, given ``service_principal``
    (a client id), ``POST .../_emulator/servicePrincipals/{id}/token``: a token as that identity,
    holding the app roles it has been granted. Cached until a minute before it expires. Tests pass
    ``transport`` to reach an in-process emulator.
    """

    def __init__(
        self,
        emulator_url: str,
        roles: Sequence[str] | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        service_principal: str | None = None,
    ) -> None:
        self._url = emulator_url.rstrip("/")
        self._roles = list(roles) if roles is not None else None
        self._transport = transport
        self._service_principal = service_principal
        self._token: AccessToken | None = None

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        if self._token is not None and self._token.expires_on - 60 > time.time():
            return self._token
        url = f"{self._url}/_emulator/token"
        body = {} if self._roles is None else {"roles": self._roles}
        if self._service_principal is not None:
            url, body = f"{self._url}/_emulator/servicePrincipals/{self._service_principal}/token", {}
        async with httpx.AsyncClient(transport=self._transport, timeout=10.0) as http:
            response = await http.post(url, json=body)
        response.raise_for_status()
        data = response.json()
        self._token = AccessToken(data["access_token"], int(time.time()) + int(data["expires_in"]))
        return self._token

    async def close(self) -> None:
        return None

    async def __aexit__(self, *args: object) -> None:
        return None


class EmulatorClock:
    """The Graph emulator's business clock as the app's clock (``GRAPH_EMULATOR_CLOCK``).

    Each reading asks ``GET {emulator_url}/_emulator/clock``: the emulator's clock moves only when
    someone moves it, and every move must be seen at once, so nothing is cached. The call blocks,
    briefly, on loopback: the emulator must run in another process, never in the app's event loop.
    Tests pass ``transport``.
    """

    def __init__(self, emulator_url: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=emulator_url.rstrip("/"), transport=transport, timeout=5.0)

    def __call__(self) -> datetime:
        response = self._http.get("/_emulator/clock")
        response.raise_for_status()
        return datetime.fromisoformat(str(response.json()["now"]).replace("Z", "+00:00"))

    def close(self) -> None:
        self._http.close()


def credential_from_settings(
    settings: GraphSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncTokenCredential:
    """The credential ``GRAPH_AUTH_MODE`` names; every one is async (``azure.identity.aio``)."""
    from azure.identity.aio import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential

    if settings.auth_mode == "emulator":
        if settings.emulator_roles is None and settings.client_id is not None:
            # the identity's own token: it holds what was granted to it (scripts.grant_permissions)
            return EmulatorTokenCredential(
                settings.emulator_url, transport=transport, service_principal=settings.client_id
            )
        roles = settings.emulator_roles if settings.emulator_roles is not None else APP_PERMISSIONS
        return EmulatorTokenCredential(settings.emulator_url, roles, transport=transport)
    if settings.auth_mode == "client_secret":
        assert settings.tenant_id is not None, "Settings checks AZURE_TENANT_ID"
        assert settings.client_id is not None, "Settings checks AZURE_CLIENT_ID"
        assert settings.client_secret is not None, "Settings checks AZURE_CLIENT_SECRET"
        return ClientSecretCredential(settings.tenant_id, settings.client_id, settings.client_secret.reveal())
    if settings.auth_mode == "certificate":
        assert settings.tenant_id is not None, "Settings checks AZURE_TENANT_ID"
        assert settings.client_id is not None, "Settings checks AZURE_CLIENT_ID"
        assert settings.certificate_path is not None, "Settings checks AZURE_CLIENT_CERTIFICATE_PATH"
        password = settings.certificate_password.reveal() if settings.certificate_password else None
        return CertificateCredential(
            settings.tenant_id, settings.client_id, settings.certificate_path, password=password
        )
    return ManagedIdentityCredential(client_id=settings.client_id)


def graph_client_from_settings(
    settings: GraphSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> GraphServiceClient:
    """The app's client: base URL and credential from settings, default middleware kept."""
    credential = credential_from_settings(settings, transport=transport)
    return build_graph_client(
        settings.base_url, credential, transport=transport, scopes=graph_scopes(settings)
    )


@contextlib.asynccontextmanager
async def one_shot_graph_client(
    settings: GraphSettings, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[GraphServiceClient]:
    """The app's client for a one-shot command, which closes what it opened (a worker keeps its
    client for life, so ``graph_client_from_settings`` leaves that to its caller)."""
    http = transport or httpx.AsyncHTTPTransport()
    credential = credential_from_settings(settings, transport=transport)
    try:
        yield build_graph_client(settings.base_url, credential, transport=http, scopes=graph_scopes(settings))
    finally:
        await credential.close()
        await http.aclose()


def graph_scopes(settings: GraphSettings) -> list[str]:
    """``https://<graph host>/.default``: national clouds have their own Graph host and token audience."""
    parts = urlsplit(settings.base_url)
    if settings.auth_mode == "emulator" or parts.scheme != "https":
        return GRAPH_SCOPES
    return [f"https://{parts.netloc}/.default"]
