"""The client a typical script builds: ``GraphServiceClient(credentials=..., scopes=[...])``.

The SDK's own constructor and default middleware (its ``RetryHandler`` honours ``Retry-After`` on
429, up to 3 retries). Only two things differ from a script against a real tenant: the token comes
from the emulator (a real script would use ``azure.identity.aio.ClientSecretCredential``), and the
base URL points at the emulator.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from azure.core.credentials import AccessToken
from azure.core.credentials_async import AsyncTokenCredential
from msgraph.graph_service_client import GraphServiceClient

from bench.emulator import Endpoint

SCOPES = ["https://graph.microsoft.com/.default"]


class EmulatorCredential(AsyncTokenCredential):
    """Fetches one token from the emulator's control plane on first use and keeps it."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint
        self._token: AccessToken | None = None

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        if self._token is None:
            async with self._endpoint.control() as http:
                response = await http.post("/_emulator/token", json={})
            response.raise_for_status()
            body = response.json()
            self._token = AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))
        return self._token

    async def close(self) -> None:
        return None

    async def __aexit__(self, *args: object) -> None:
        return None


def graph_client(endpoint: Endpoint) -> GraphServiceClient:
    credential = EmulatorCredential(endpoint)
    if endpoint.transport is None:
        graph = GraphServiceClient(credentials=credential, scopes=SCOPES)
        graph.request_adapter.base_url = endpoint.graph_url
        return graph
    return _in_process(endpoint, credential)


def _in_process(endpoint: Endpoint, credential: AsyncTokenCredential) -> GraphServiceClient:
    """The same default middleware over the in-process emulator's ASGI transport (smoke test only)."""
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph.graph_request_adapter import options as graph_default_options
    from msgraph_core import GraphClientFactory

    http = httpx.AsyncClient(base_url=endpoint.graph_url, transport=endpoint.transport)
    http = GraphClientFactory.create_with_default_middleware(client=http, options=dict(graph_default_options))
    adapter = GraphRequestAdapter(AzureIdentityAuthenticationProvider(credential, scopes=SCOPES), client=http)
    adapter.base_url = endpoint.graph_url
    return GraphServiceClient(request_adapter=adapter)
