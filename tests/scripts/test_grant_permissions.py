"""scripts/grant_permissions.py against the emulator: grant, idempotence, dry run, refusals, extra
roles, and then the demo story with a token issued to the granted identity.

Graph behaviour: https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto (the
grant, and its permissions AppRoleAssignment.ReadWrite.All with Application.Read.All),
https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments (the read).
"""

from __future__ import annotations

import io
from uuid import UUID

import httpx
import pytest
from msgraph.generated.models.app_role_assignment import AppRoleAssignment

from graph_emulator import EmulatorApp, TenantState
from graph_emulator.resources.service_principals import backend_of
from scripts.grant_permissions import run
from scripts.send_webhook import ROOT
from shared.config import Env, GraphSettings
from shared.graph.client import graph_client_from_settings
from shared.graph.permissions import APP_PERMISSIONS
from tests.conftest import GraphFactory
from tests.emulator.test_service_principals import GRAPH_SP, IDENTITY, IDENTITY_APP_ID, ROLE_IDS
from tests.reliability.stack import app_stack, watch

SAMPLE = ROOT / "local.settings.sample.json"
MISSING = "00000000-0000-4000-8000-000000000000"
GRANT_ROUTE = "POST /v1.0/servicePrincipals/{principal_id}/appRoleAssignedTo"


async def grant(
    emulator: EmulatorApp, *extra: str, principal: str = IDENTITY, graph_url: str = "http://127.0.0.1/v1.0"
) -> tuple[int, str, str]:
    """Run the command in-process against ``emulator``: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["--principal-id", principal, "--settings", str(SAMPLE), "--graph-url", graph_url, *extra]
    code = await run(argv, {}, out, err=err, transport=httpx.ASGITransport(app=emulator))
    return code, out.getvalue(), err.getvalue()


def held(state: TenantState) -> list[str]:
    """The Graph permissions a token issued to the identity would carry now."""
    return backend_of(state).graph_roles(IDENTITY)


async def test_grant_from_nothing_assigns_the_apps_permissions(emulator: EmulatorApp) -> None:
    code, out, err = await grant(emulator)
    assert (code, err) == (0, "")
    assert held(emulator.state) == sorted(APP_PERMISSIONS)
    assert emulator.state.requests.summary()["byRoute"][GRANT_ROUTE] == len(APP_PERMISSIONS)
    assert all(f"granted   {p}" in out for p in APP_PERMISSIONS)
    assert f"Done: {len(APP_PERMISSIONS)} granted, 0 already present, 0 removed." in out


async def test_grant_again_changes_nothing_and_says_so(emulator: EmulatorApp) -> None:
    await grant(emulator)
    emulator.state.requests.clear()
    code, out, _ = await grant(emulator)
    assert code == 0
    assert emulator.state.requests.writes == 0
    assert f"Nothing to do: all {len(APP_PERMISSIONS)} permission(s) are already granted." in out
    assert held(emulator.state) == sorted(APP_PERMISSIONS)


async def test_dry_run_reads_and_writes_nothing(emulator: EmulatorApp) -> None:
    code, out, _ = await grant(emulator, "--dry-run")
    assert code == 0
    summary = emulator.state.requests.summary()
    assert summary["writes"] == 0
    assert {e["method"] for e in summary["entries"]} == {"GET"}
    assert held(emulator.state) == []
    assert all(f"would grant {p}" in out for p in APP_PERMISSIONS)
    assert "nothing was written" in out


@pytest.mark.parametrize(
    ("roles", "lacks"),
    [
        ("Application.Read.All", "AppRoleAssignment.ReadWrite.All"),  # reads pass, the grant is refused
        ("AppRoleAssignment.ReadWrite.All", "Application.Read.All"),  # not even the read
    ],
)
async def test_missing_operator_permission_is_one_clear_line(
    emulator: EmulatorApp, roles: str, lacks: str
) -> None:
    code, out, err = await grant(emulator, "--emulator-roles", roles)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: Graph refused (403): the identity running this command lacks ")
    assert lacks in err.split("lacks", 1)[1].split(",", 1)[0]
    assert held(emulator.state) == []


async def test_unknown_principal_is_one_clear_line(emulator: EmulatorApp) -> None:
    code, _, err = await grant(emulator, principal=MISSING)
    assert code == 1
    assert err == (
        f"error: no service principal with object id {MISSING} in this tenant "
        "(pass the identity's object id, not its client id)\n"
    )


async def test_principal_id_must_be_a_guid(emulator: EmulatorApp, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        await grant(emulator, principal="guestkeeper-func")
    assert exited.value.code == 2
    assert "is not an object id" in capsys.readouterr().err


async def test_extra_roles_are_kept_unless_asked(emulator: EmulatorApp, make_graph: GraphFactory) -> None:
    graph = make_graph()
    resource = graph.service_principals.by_service_principal_id(GRAPH_SP).app_role_assigned_to
    for role in ("User.Read.All", "AppRoleAssignment.ReadWrite.All"):  # one wanted, one extra
        await resource.post(
            AppRoleAssignment(
                principal_id=UUID(IDENTITY), resource_id=UUID(GRAPH_SP), app_role_id=UUID(ROLE_IDS[role])
            )
        )
    code, out, _ = await grant(emulator)
    assert code == 0
    assert "extra     AppRoleAssignment.ReadWrite.All (kept; --remove-extra removes it)" in out
    assert "present   User.Read.All" in out
    assert held(emulator.state) == sorted({*APP_PERMISSIONS, "AppRoleAssignment.ReadWrite.All"})

    code, out, _ = await grant(emulator, "--remove-extra", "--dry-run")
    assert "would remove AppRoleAssignment.ReadWrite.All" in out
    assert "AppRoleAssignment.ReadWrite.All" in held(emulator.state)

    code, out, _ = await grant(emulator, "--remove-extra")
    assert code == 0
    assert "removed   AppRoleAssignment.ReadWrite.All" in out
    assert f"Done: 0 granted, {len(APP_PERMISSIONS)} already present, 1 removed." in out
    assert held(emulator.state) == sorted(APP_PERMISSIONS)


async def test_the_apps_emulator_credential_is_its_identitys(emulator: EmulatorApp) -> None:
    """``AZURE_CLIENT_ID`` without ``GRAPH_EMULATOR_ROLES``: the app's token follows the grants."""
    values = {"GRAPH_BASE_URL": "http://127.0.0.1/v1.0", "GRAPH_AUTH_MODE": "emulator"}
    settings = GraphSettings.from_env(Env(values | {"AZURE_CLIENT_ID": IDENTITY_APP_ID}))
    await grant(emulator)
    graph = graph_client_from_settings(settings, transport=httpx.ASGITransport(app=emulator))
    await graph.users.get()
    tokens = [t for t in emulator.state.tokens._tokens.values() if t.principal_id == IDENTITY]
    assert [t.roles for t in tokens] == [frozenset(APP_PERMISSIONS)]


async def test_the_demo_story_passes_with_a_token_issued_to_the_granted_identity(
    storage_connection_string: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Grant, then run: the app asks the emulator for its identity's token, which holds exactly what
    the command granted, and the tutorial's story completes (as with the README list itself)."""
    identity = {"AZURE_CLIENT_ID": IDENTITY_APP_ID}
    async with app_stack(storage_connection_string, None, monkeypatch, settings=identity) as stack:
        out, err = io.StringIO(), io.StringIO()
        argv = ["--principal-id", IDENTITY, "--settings", str(SAMPLE)]
        assert (
            await run([*argv, "--graph-url", f"{stack.endpoints.emulator_url}/v1.0"], {}, out, err=err) == 0
        )
        report = await watch(stack)
        tokens = list(stack.state.tokens._tokens.values())
    apps = [t for t in tokens if t.principal_id == IDENTITY]
    assert apps, "the app never asked for its identity's token"
    assert {t.roles for t in apps} == {frozenset(APP_PERMISSIONS)}
    john, ada = report.guests
    assert (john.enabled, john.groups_now) == (False, ())  # denied: removed and disabled
    assert ada.enabled
    assert len(ada.groups_now) == 2
    assert report.cleanup_failed == 0
