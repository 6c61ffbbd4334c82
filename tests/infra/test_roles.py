"""The role assignments in infra/ cover what the code and the Functions host do with storage, and
nothing more; the identity's other roles are one each, on the narrowest scope.

Why each storage role (the same reasons are written next to it in infra/app/rbac.bicep):
- Storage Blob Data Owner: the host's own storage (keys, timer locks, the Flex Consumption
  deployment package); Microsoft documents it as the minimum for identity-based host storage.
- Storage Queue Data Contributor: the governance timer creates the cleanup queue before sending
  (``create_queue``), and the host creates ``<queue>-poison``; only Contributor can create a queue.
- Storage Table Data Contributor: the state table is created on first use and its entities are
  written, deleted and queried.
"""

from __future__ import annotations

import pytest

from tests.infra.app_settings import INFRA, MAIN, ROOT
from tests.infra.bicep import BicepFile, object_entries
from tests.infra.roles import (
    HOST_NEEDS,
    KEY_VAULT_SECRETS_USER,
    MONITORING_METRICS_PUBLISHER,
    STORAGE_ROLES,
    Assignment,
    capabilities,
    role_assignments,
    storage_use_in_code,
)
from tests.test_function_app import index_functions

STORAGE = "Microsoft.Storage/storageAccounts"
APP = "managedIdentityPrincipalId"
DEPLOYER = "userIdentityPrincipalId"


@pytest.fixture(scope="module")
def assignments() -> list[Assignment]:
    found = []
    for path in sorted(INFRA.rglob("*.bicep")):
        found += role_assignments(BicepFile.read(path))
    return found


@pytest.fixture(scope="module")
def needed() -> set[str]:
    """What the app does with storage: its own SDK calls, and what the host does for its triggers."""
    code = storage_use_in_code(ROOT / "shared")
    triggers = {
        binding["type"]
        for fn in index_functions().values()
        for binding in fn["bindings"]
        if binding["direction"] == "IN"
    }
    host = HOST_NEEDS["host"] | HOST_NEEDS["diagnostic events"]
    host |= set().union(*(HOST_NEEDS.get(t, set()) for t in triggers))
    return set().union(*code.values()) | host


def test_the_code_scan_sees_the_state_table_and_the_cleanup_queue() -> None:
    """The scan finds what the code is known to do (a scan that found nothing would pass anything):
    the state table in full, and the governance timer creating the cleanup queue and sending to it."""
    code = storage_use_in_code(ROOT / "shared")
    assert set().union(*code.values()) == {
        "table:create",
        "table:write-entities",
        "table:read-entities",
        "table:delete-entities",
        "queue:create",
        "message:send",
    }


def _app_storage_roles(assignments: list[Assignment]) -> set[str]:
    return {a.role for a in assignments if a.principal == APP and a.scope_type == STORAGE}


def test_storage_roles_cover_what_the_code_and_host_do(
    assignments: list[Assignment], needed: set[str]
) -> None:
    roles = _app_storage_roles(assignments)
    assert roles <= set(STORAGE_ROLES), "only storage data roles: management roles grant no data access"
    assert needed <= capabilities(roles), sorted(needed - capabilities(roles))


def test_storage_roles_grant_nothing_more_than_needed(
    assignments: list[Assignment], needed: set[str]
) -> None:
    roles = _app_storage_roles(assignments)
    for role in roles:
        assert not needed <= capabilities(roles - {role}), f"{STORAGE_ROLES[role].name} is not needed"
    assert {STORAGE_ROLES[r].name for r in roles} == {
        "Storage Blob Data Owner",
        "Storage Queue Data Contributor",
        "Storage Table Data Contributor",
    }


def test_the_apps_identity_holds_exactly_these_roles_each_on_one_resource(
    assignments: list[Assignment],
) -> None:
    granted = sorted((a.role, a.scope_type, a.conditional) for a in assignments if a.principal == APP)
    expected = [(role, STORAGE, False) for role in _app_storage_roles(assignments)]
    expected += [
        (MONITORING_METRICS_PUBLISHER, "Microsoft.Insights/components", False),
        (KEY_VAULT_SECRETS_USER, "Microsoft.KeyVault/vaults/secrets", False),  # the one secret, not the vault
    ]
    assert granted == sorted(expected)


def test_the_deployer_may_only_read_the_webhook_secret(assignments: list[Assignment]) -> None:
    mine = [(a.role, a.scope_type, a.conditional) for a in assignments if a.principal == DEPLOYER]
    assert mine == [(KEY_VAULT_SECRETS_USER, "Microsoft.KeyVault/vaults/secrets", True)]
    assert {a.principal for a in assignments} == {APP, DEPLOYER}


def test_the_roles_go_to_the_identity_the_app_runs_as() -> None:
    main = BicepFile.read(MAIN)
    rbac = object_entries(main.get("module", "rbac").body["params"])
    assert rbac[APP] == "apiUserAssignedIdentity.outputs.principalId"
    assert rbac[DEPLOYER] == "principalId"
    api = object_entries(main.get("module", "api").body["params"])
    assert api["identityId"] == "apiUserAssignedIdentity.outputs.resourceId"
    assert api["identityClientId"] == "apiUserAssignedIdentity.outputs.clientId"
    assert main.get("module", "api").body["dependsOn"].split() == [
        "[",
        "rbac",
        "]",
    ]  # roles before the app starts


def test_no_module_makes_role_assignments_of_its_own() -> None:
    """rbac.bicep is the whole story: no AVM module is handed roleAssignments."""
    for path in sorted(INFRA.rglob("*.bicep")):
        for module in BicepFile.read(path).of_kind("module"):
            params = object_entries(module.body["params"])
            assert "roleAssignments" not in params, (path.name, module.name)
