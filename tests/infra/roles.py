"""Storage access in capabilities: what the code and the Functions host do, what each built-in role
allows, and the role assignments infra/ makes.

Capabilities are coarse on purpose: one per kind of data action that separates the built-in roles
(https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from tests.infra.bicep import BicepFile, evaluate, object_entries

# What the storage SDKs' client methods need. azure-data-tables TableClient:
TABLE_METHODS = {
    "create_table": "table:create",
    "create_entity": "table:write-entities",
    "upsert_entity": "table:write-entities",
    "update_entity": "table:write-entities",
    "submit_transaction": "table:write-entities",
    "delete_entity": "table:delete-entities",
    "get_entity": "table:read-entities",
    "query_entities": "table:read-entities",
    "list_entities": "table:read-entities",
}
# azure-storage-queue QueueClient:
QUEUE_METHODS = {
    "create_queue": "queue:create",
    "get_queue_properties": "queue:read",
    "send_message": "message:send",
    "peek_messages": "message:peek",
    "receive_message": "message:process",
    "receive_messages": "message:process",
    "update_message": "message:process",
    "delete_message": "message:process",
}
SDK_METHODS = {"azure.data.tables": TABLE_METHODS, "azure.storage.queue": QUEUE_METHODS}
# Storage services the model knows; code importing another storage SDK needs a look at the roles.
MODELLED_SDKS = set(SDK_METHODS)


@dataclass(frozen=True)
class Role:
    name: str
    capabilities: frozenset[str]


def _role(name: str, *capabilities: str) -> Role:
    return Role(name, frozenset(capabilities))


TABLE = ("table:create", "table:read-entities", "table:write-entities", "table:delete-entities")
QUEUE = ("queue:create", "queue:read", "message:send", "message:peek", "message:process")
# blob:host stands for the whole of blob data access, which the Functions host's storage needs:
# Microsoft documents Storage Blob Data Owner as its minimum.
BLOB = ("blob:read", "blob:write", "container:create", "blob:host")

STORAGE_ROLES = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": _role("Storage Blob Data Owner", *BLOB),
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": _role(
        "Storage Blob Data Contributor", "blob:read", "blob:write", "container:create"
    ),
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": _role("Storage Blob Data Reader", "blob:read"),
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": _role("Storage Queue Data Contributor", *QUEUE),
    "19e7f393-937e-4f77-808e-94535e297925": _role("Storage Queue Data Reader", "queue:read", "message:peek"),
    "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a": _role("Storage Queue Data Message Sender", "message:send"),
    "8a0f0c08-91a1-4084-bc3d-661d67233fed": _role(
        "Storage Queue Data Message Processor", "message:peek", "message:process"
    ),
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": _role("Storage Table Data Contributor", *TABLE),
    "76199698-9eea-4c19-bc75-cec21354c6b6": _role("Storage Table Data Reader", "table:read-entities"),
}
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"

# What the Functions host does with AzureWebJobsStorage for this app
# (https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity,
# https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages).
HOST_NEEDS = {
    "host": {"blob:host"},  # keys, coordination; the Flex Consumption deployment package container
    "timerTrigger": {"blob:host"},  # one execution per schedule: blob leases
    # the trigger reads and settles messages (Storage Queue Data Reader + Message Processor); after
    # maxDequeueCount tries it creates <queue>-poison and adds the message there
    "queueTrigger": {"queue:read", "message:peek", "message:process", "queue:create", "message:send"},
    "diagnostic events": {"table:create", "table:write-entities"},
}


def storage_use_in_code(package: Path) -> dict[str, set[str]]:
    """Capabilities the code needs, by module: the storage SDK methods called in each module that
    imports a storage SDK. Raises on a storage SDK the model does not know."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        sdks = {
            sdk for sdk in _imported(tree) if sdk.startswith("azure.storage.") or sdk == "azure.data.tables"
        }
        unknown = sdks - MODELLED_SDKS
        if unknown:
            raise AssertionError(f"{path}: {sorted(unknown)} is not in the storage role model")
        calls = {
            n.func.attr
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        }
        needs = {SDK_METHODS[sdk][call] for sdk in sdks for call in calls if call in SDK_METHODS[sdk]}
        if needs:
            found[str(path.relative_to(package.parent))] = needs
    return found


def _imported(tree: ast.AST) -> set[str]:
    """The SDK packages a module imports (``azure.storage.queue.aio`` counts as ``azure.storage.queue``)."""
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
    return {
        ".".join(m.split(".")[:3]) if m.startswith("azure.storage.") else m.removesuffix(".aio")
        for m in modules
    }


@dataclass(frozen=True)
class Assignment:
    resource: str  # the symbolic name in Bicep
    principal: str  # the parameter holding the principal id
    role: str  # role definition id
    scope_type: str  # resource type of the scope
    conditional: bool


ROLE_DEFINITION = re.compile(
    r"^subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions',\s*(\w+)\)$"
)


def role_assignments(bicep: BicepFile) -> list[Assignment]:
    """Every role assignment a Bicep file declares, its role and scope resolved."""
    found = []
    for resource in bicep.of_kind("resource"):
        if resource.resource_type != "Microsoft.Authorization/roleAssignments":
            continue
        body = resource.body
        properties = object_entries(body["properties"])
        definition = ROLE_DEFINITION.match(properties["roleDefinitionId"])
        assert definition is not None, f"{resource.name}: role given by id through a var"
        role = evaluate(bicep.get("var", definition.group(1)).value, {})
        scope = bicep.get("resource", body["scope"])
        found.append(
            Assignment(
                resource.name,
                properties["principalId"],
                role,
                scope.resource_type,
                resource.value.startswith("if"),
            )
        )
    return found


def capabilities(roles: set[str]) -> set[str]:
    return set().union(*(STORAGE_ROLES[r].capabilities for r in roles))
