"""Grant the app's identity its Microsoft Graph application permissions, as app-role assignments.

    python -m scripts.grant_permissions --principal-id <managed identity object id>
    python -m scripts.grant_permissions --principal-id <id> --dry-run          # say what it would do
    python -m scripts.grant_permissions --principal-id <id> --remove-extra     # also revoke the rest
    python -m scripts.grant_permissions --principal-id <id> --graph-url https://graph.microsoft.com/v1.0 \\
        --auth-mode client_secret        # with AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET set

The permissions are ``APP_PERMISSIONS`` of shared/graph/permissions.py, the app's one list. The
command finds Microsoft Graph's service principal (``appId`` 00000003-0000-0000-c000-000000000000),
maps each permission to its app-role id there, and assigns the missing ones to the principal
(``POST /servicePrincipals/{Graph}/appRoleAssignedTo``). Those already assigned are reported, other
Graph roles the principal holds are reported as extra and revoked only with ``--remove-extra``; a
second run changes nothing. ``--dry-run`` reads, prints the plan and writes nothing.

It talks to Graph through the app's client factory with the settings the app reads
(``GRAPH_BASE_URL``, ``GRAPH_AUTH_MODE``, ``AZURE_*``) from the environment, else from the ``Values``
of ``--settings`` (default: local.settings.json, else the committed sample); ``--graph-url`` and
``--auth-mode`` win over both. That identity is the operator's, not the app's: it needs
Application.Read.All and AppRoleAssignment.ReadWrite.All. Against the emulator its token holds
exactly those two unless ``--emulator-roles`` says otherwise.

Exit codes: 0 done (or nothing to do), 1 Graph refused or failed, 2 bad arguments or settings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.app_role_assignment import AppRoleAssignment
from msgraph.generated.service_principals.service_principals_request_builder import (
    ServicePrincipalsRequestBuilder,
)
from msgraph.graph_service_client import GraphServiceClient

from scripts.send_webhook import settings_values
from shared.config import Env, GraphSettings
from shared.errors import ConfigurationError, Forbidden, GraphFailure, NotFound
from shared.graph.client import one_shot_graph_client
from shared.graph.paging import list_all
from shared.graph.permissions import APP_PERMISSIONS
from shared.graph.raw import send_json

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"  # Microsoft Graph, in every tenant
OPERATOR_PERMISSIONS = ("Application.Read.All", "AppRoleAssignment.ReadWrite.All")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# What a 403 means at each step: the permission the operator's identity is missing.
LACKS = {
    "read": "Application.Read.All, which reading service principals and their assignments needs",
    "write": "AppRoleAssignment.ReadWrite.All (with Application.Read.All), which granting app roles needs",
}


class GrantFailed(Exception):
    """A one-line reason the command stopped (printed as ``error: ...``, exit code 1)."""


@dataclass(frozen=True)
class Held:
    """An app role the principal holds on Microsoft Graph: the assignment and the permission's name."""

    assignment_id: str
    permission: str


@dataclass(frozen=True)
class Plan:
    graph_id: str
    role_ids: dict[str, str]  # permission -> app-role id on Graph's service principal
    missing: tuple[str, ...]  # to assign
    present: tuple[str, ...]  # assigned already
    extra: tuple[Held, ...]  # assigned, not in the list


@contextlib.contextmanager
def explained(step: str) -> Iterator[None]:
    """Graph's 403 as one sentence: the permission the operator's identity lacks for ``step``."""
    try:
        yield
    except Forbidden as exc:
        lacks = LACKS[step]
        raise GrantFailed(
            f"Graph refused ({exc.status}): the identity running this command lacks {lacks}"
        ) from None


async def make_plan(graph: GraphServiceClient, principal_id: str, wanted: Sequence[str]) -> Plan:
    """What the principal holds on Microsoft Graph against ``wanted``; reads only."""
    with explained("read"):
        graph_sp = await _graph_service_principal(graph)
        assignments = await _assignments(graph, principal_id)
    role_ids = {str(r["value"]): str(r["id"]).lower() for r in graph_sp.get("appRoles") or []}
    unknown = [p for p in wanted if p not in role_ids]
    if unknown:
        raise GrantFailed(f"Microsoft Graph defines no application permission {', '.join(unknown)}")
    names = {role_id: name for name, role_id in role_ids.items()}
    held = [
        Held(str(a["id"]), names.get(str(a["appRoleId"]).lower(), str(a["appRoleId"])))
        for a in assignments
        if str(a["resourceId"]).lower() == str(graph_sp["id"]).lower()
    ]
    have = {h.permission for h in held}
    return Plan(
        graph_id=str(graph_sp["id"]),
        role_ids=role_ids,
        missing=tuple(p for p in wanted if p not in have),
        present=tuple(p for p in wanted if p in have),
        extra=tuple(h for h in held if h.permission not in wanted),
    )


async def _graph_service_principal(graph: GraphServiceClient) -> dict[str, Any]:
    """``GET /servicePrincipals?$filter=appId eq '00000003-...'&$select=id,appRoles``."""
    query = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(
        filter=f"appId eq '{GRAPH_APP_ID}'", select=["id", "appRoles"]
    )
    config = RequestConfiguration(query_parameters=query)
    found = await list_all(graph, graph.service_principals.to_get_request_information(config))
    if not found:
        raise GrantFailed("this tenant has no service principal for Microsoft Graph")
    return found[0]


async def _assignments(graph: GraphServiceClient, principal_id: str) -> list[dict[str, Any]]:
    """``GET /servicePrincipals/{id}/appRoleAssignments``: every app role granted to the principal."""
    builder = graph.service_principals.by_service_principal_id(principal_id).app_role_assignments
    try:
        return await list_all(graph, builder.to_get_request_information())
    except NotFound:
        raise GrantFailed(
            f"no service principal with object id {principal_id} in this tenant "
            "(pass the identity's object id, not its client id)"
        ) from None


async def apply(graph: GraphServiceClient, principal_id: str, plan: Plan, *, remove_extra: bool) -> None:
    """Assign what is missing through Graph's ``appRoleAssignedTo`` and, if asked, revoke the extra."""
    resource = graph.service_principals.by_service_principal_id(plan.graph_id).app_role_assigned_to
    with explained("write"):
        for permission in plan.missing:
            body = AppRoleAssignment(
                principal_id=uuid.UUID(principal_id),
                resource_id=uuid.UUID(plan.graph_id),
                app_role_id=uuid.UUID(plan.role_ids[permission]),
            )
            await send_json(graph, resource.to_post_request_information(body))
        for held in plan.extra if remove_extra else ():
            request = resource.by_app_role_assignment_id(held.assignment_id).to_delete_request_information()
            await send_json(graph, request)


def report(plan: Plan, principal_id: str, *, dry_run: bool, remove_extra: bool, out: TextIO) -> None:
    grant, remove = ("would grant", "would remove") if dry_run else ("granted", "removed")
    print(f"Microsoft Graph application permissions of service principal {principal_id}:", file=out)
    for permission in plan.present:
        print(f"  present   {permission}", file=out)
    for permission in plan.missing:
        print(f"  {grant:<9} {permission}", file=out)
    for held in plan.extra:
        status = remove if remove_extra else "extra"
        note = "" if remove_extra else " (kept; --remove-extra removes it)"
        print(f"  {status:<9} {held.permission}{note}", file=out)
    removed = len(plan.extra) if remove_extra else 0
    if not plan.missing and not removed:
        print(f"Nothing to do: all {len(plan.present)} permission(s) are already granted.", file=out)
    elif dry_run:
        print(f"Dry run: {len(plan.missing)} to grant, {removed} to remove; nothing was written.", file=out)
    else:
        print(
            f"Done: {len(plan.missing)} granted, {len(plan.present)} already present, {removed} removed.",
            file=out,
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.grant_permissions", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--principal-id", required=True, type=_guid, help="object id of the app's identity")
    parser.add_argument("--dry-run", action="store_true", help="read and report; write nothing")
    parser.add_argument("--remove-extra", action="store_true", help="revoke Graph roles not in the list")
    parser.add_argument(
        "--settings", type=Path, default=None, help="local.settings.json to read settings from"
    )
    parser.add_argument(
        "--graph-url", default=None, help="GRAPH_BASE_URL, e.g. https://graph.microsoft.com/v1.0"
    )
    parser.add_argument("--auth-mode", default=None, help="GRAPH_AUTH_MODE of the operator's identity")
    parser.add_argument(
        "--emulator-roles",
        default=",".join(OPERATOR_PERMISSIONS),
        help="emulator mode: the permissions of the operator's token (default: %(default)s)",
    )
    return parser.parse_args(argv)


def _guid(value: str) -> str:
    if not GUID.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an object id (a GUID)")
    return value.lower()


def graph_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> GraphSettings:
    """The operator's Graph settings: the settings file, the environment over it, the flags over both."""
    values = settings_values(args.settings) | {k: v for k, v in environ.items() if v}
    values |= {"GRAPH_BASE_URL": args.graph_url} if args.graph_url else {}
    values |= {"GRAPH_AUTH_MODE": args.auth_mode} if args.auth_mode else {}
    values["GRAPH_EMULATOR_ROLES"] = args.emulator_roles  # the app's own roles never apply here
    env = Env(values)
    settings = GraphSettings.from_env(env)
    env.raise_if_problems()
    return settings


async def run(
    argv: Sequence[str] | None,
    environ: Mapping[str, str],
    out: TextIO = sys.stdout,
    *,
    err: TextIO = sys.stderr,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    args = parse_args(argv)
    try:
        settings = graph_settings(args, environ)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=err)
        return 2
    try:
        async with one_shot_graph_client(settings, transport) as graph:
            plan = await make_plan(graph, args.principal_id, APP_PERMISSIONS)
            if not args.dry_run:
                await apply(graph, args.principal_id, plan, remove_extra=args.remove_extra)
    except GrantFailed as exc:
        print(f"error: {exc}", file=err)
        return 1
    except GraphFailure as exc:
        print(f"error: Graph answered {exc.status} {exc.code}: {exc.message}", file=err)
        return 1
    report(plan, args.principal_id, dry_run=args.dry_run, remove_extra=args.remove_extra, out=out)
    return 0


def main() -> int:
    return asyncio.run(run(sys.argv[1:], os.environ))


if __name__ == "__main__":
    sys.exit(main())
