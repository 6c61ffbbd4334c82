"""The one place a ``GraphServiceClient`` is built (the composition root for Graph access).

The SDK's default middleware is kept (retry honouring ``Retry-After``, redirects, URL replace), the
base URL is set on the request adapter without a trailing slash (httpx would otherwise produce
``/v1.0//users``), and nothing is built at import time.
"""

from __future__ import annotations

import time
from typing import Any

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

GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]
PUBLIC_CLOUD = "https://graph.microsoft.com/v1.0"


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
    auth = AzureIdentityAuthenticationProvider(credential, scopes=GRAPH_SCOPES)
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = root
    return GraphServiceClient(request_adapter=adapter)
