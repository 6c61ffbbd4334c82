"""The emulator served on a loopback port (``python -m graph_emulator``), called by a real
``GraphServiceClient`` over a socket, with a token from ``python -m graph_emulator token``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from scripts.processes import Stack
from shared.graph.client import StaticTokenCredential, build_graph_client

from .directory_helpers import FEELGOOD, collect, config, invite, not_found, odata_error, ref, user_id

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m graph_emulator`` on a free loopback port (frozen clock), as the demo starts it."""
    with Stack(log_dir=tmp_path_factory.mktemp("emulator")) as stack:
        yield stack.start_emulator(frozen=True)


def cli_token(url: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "graph_emulator", "token", "--url", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


async def test_sdk_over_a_socket(served: str) -> None:
    token = cli_token(served)
    assert token.startswith("emu.")
    transport = httpx.AsyncHTTPTransport()  # ours, so the test can close its connections
    graph = build_graph_client(f"{served}/v1.0", StaticTokenCredential(token), transport=transport)
    try:
        await exercise(graph, served)
    finally:
        await transport.aclose()


async def exercise(graph, served: str) -> None:

    invitation = await invite(graph, "socket@fabrikam.example")
    guest_id = user_id(invitation)
    upn = "socket_fabrikam.example#EXT#@contoso.onmicrosoft.com"
    assert (await graph.users.by_user_id(upn).get()).id == guest_id

    await graph.groups.by_group_id(FEELGOOD).members.ref.post(ref(guest_id))
    members = await graph.groups.by_group_id(FEELGOOD).members.get()
    assert guest_id in {m.id for m in members.value}

    query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(top=2, select=["id"])
    first = await graph.users.get(request_configuration=config(query))
    assert first.odata_next_link.startswith(f"{served}/v1.0/users?")  # absolute, with the real port
    assert len(await collect(graph, first)) == 6

    with pytest.raises(ODataError) as caught:
        await graph.users.by_user_id("00000000-0000-4000-8000-000000000000").get()
    assert odata_error(caught) == (
        404,
        "Request_ResourceNotFound",
        not_found("00000000-0000-4000-8000-000000000000"),
    )


async def test_unauthenticated_calls_are_refused_over_the_socket(served: str) -> None:
    async with httpx.AsyncClient(base_url=served) as client:
        response = await client.get("/v1.0/users")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
