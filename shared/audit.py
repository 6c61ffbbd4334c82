"""Read the audit trail, release the mass-removal guard, re-enqueue a round: ``python -m shared.audit``.

    python -m shared.audit [--settings local.settings.json] [--json] guest GUEST_ID
    python -m shared.audit round INSTANCE_ID
    python -m shared.audit failures            # cleanup messages and HR callbacks gone to poison
    python -m shared.audit release-guard INSTANCE_ID --reason "HR confirmed the contracts ended"
    python -m shared.audit requeue DEFINITION_ID INSTANCE_ID GROUP_ID --reason "permission fixed"

It needs only the storage settings (``AzureWebJobsStorage`` as a connection string,
``STATE_TABLE_NAME``, ``CLEANUP_QUEUE_NAME``), read from the environment or from the ``Values`` of a
local.settings.json. Output is one line per record (or JSON lines): ids, actions and outcomes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from shared.callbacks.delivery import ACTION as CALLBACK_ACTION
from shared.cleanup import audit as cleanup_audit
from shared.cleanup import guard
from shared.cleanup.audit import Action, Outcome
from shared.cleanup.settings import CleanupSettings
from shared.config import Env, StorageSettings
from shared.errors import GuestkeeperError
from shared.queue.message import CleanupMessage, InvalidCleanupMessage
from shared.queue.sender import StorageQueue
from shared.state import AuditRecord, StateStore

CALLBACK_FAILURES = {(CALLBACK_ACTION, "poisoned"), (CALLBACK_ACTION, "invalid")}


def record_json(record: AuditRecord) -> dict[str, Any]:
    """A record as JSON; a summary's or guard's JSON detail is expanded."""
    body: dict[str, Any] = {"at": record.at.astimezone(UTC).isoformat().replace("+00:00", "Z")}
    body |= {"action": record.action, "outcome": record.outcome}
    optional = {"guestId": record.guest_id, "groupId": record.group_id, "instanceId": record.instance_id}
    body |= {k: v for k, v in optional.items() if v is not None}
    if record.decision is not None:
        body["decision"] = record.decision
    if record.detail is not None:
        body["detail"] = _expanded(record.detail)
    return body


def _expanded(detail: str) -> Any:
    if detail.startswith("{"):
        try:
            return json.loads(detail)
        except ValueError:
            return detail
    return detail


def record_line(record: AuditRecord) -> str:
    fields = [f"{record.at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}", record.action, record.outcome]
    fields += [f"guest={record.guest_id}"] if record.guest_id else []
    fields += [f"group={record.group_id}"] if record.group_id else []
    fields += [f"instance={record.instance_id}"] if record.instance_id else []
    fields += [f"decision={record.decision}"] if record.decision else []
    fields += [record.detail] if record.detail else []
    return "  ".join(fields)


@dataclass(frozen=True)
class Tools:
    store: StateStore
    cleanup: CleanupSettings
    storage: StorageSettings

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Tools:
        env = Env(environ)
        storage, cleanup = StorageSettings.from_env(env), CleanupSettings.from_env(env)
        env.raise_if_problems()
        return cls(StateStore.from_settings(storage), cleanup, storage)

    async def send(self, message: CleanupMessage) -> None:
        """Re-enqueue a round in the host's encoding (``CleanupMessage.encode()``)."""
        if self.storage.connection_string is None:
            raise GuestkeeperError("re-enqueueing needs AzureWebJobsStorage as a connection string")
        queue = StorageQueue.from_settings(self.storage, self.cleanup.queue_name, None)
        try:
            await queue.send(message)
        finally:
            await queue.close()


async def release_and_requeue(tools: Tools, instance_id: str, reason: str, now: datetime) -> CleanupMessage:
    """Release the guard of a stopped round and re-enqueue it (the sweep never enqueues it twice)."""
    records = await tools.store.audit.audit_with_key_prefix(cleanup_audit.prefix(instance_id))
    stopped = next((r for r in records if r.key == cleanup_audit.key(instance_id, "guard")), None)
    if stopped is None or stopped.group_id is None:
        raise GuestkeeperError(f"round {instance_id} was not stopped by the mass-removal guard")
    definition_id = json.loads(stopped.detail or "{}").get("definitionId", "")
    body = {"definitionId": definition_id, "instanceId": instance_id, "groupId": stopped.group_id}
    message = CleanupMessage.parse(json.dumps(body))
    await guard.release(tools.store.audit, instance_id, why=reason, now=now)
    await tools.send(message)
    return message


async def requeue(tools: Tools, message: CleanupMessage, reason: str, now: datetime) -> None:
    """Send a round again (after fixing what sent it to the poison queue); audited each time."""
    record = AuditRecord(
        Action.REQUEUE,
        Outcome.DONE,
        now,
        group_id=message.group_id,
        instance_id=message.instance_id,
        detail=reason,
    )
    await tools.store.audit.record_audit(record)
    await tools.send(message)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m shared.audit", description=__doc__.split("\n\n")[0])
    main.add_argument("--settings", type=Path, help="read settings from this local.settings.json's Values")
    main.add_argument("--json", action="store_true", help="one JSON object per line")
    commands = main.add_subparsers(dest="command", required=True)
    commands.add_parser("guest", help="every record about one guest").add_argument("guest_id")
    commands.add_parser("round", help="every record of one review round").add_argument("instance_id")
    commands.add_parser("failures", help="messages that were invalid or went to the poison queue")
    release = commands.add_parser("release-guard", help="let a round the guard stopped proceed")
    release.add_argument("instance_id")
    release.add_argument("--reason", required=True)
    again = commands.add_parser("requeue", help="send a round to the cleanup queue again")
    for name in ("definition_id", "instance_id", "group_id"):
        again.add_argument(name)
    again.add_argument("--reason", required=True)
    return main


async def run(argv: Sequence[str], environ: Mapping[str, str], out: TextIO = sys.stdout) -> int:
    args = parser().parse_args(argv)
    values = dict(environ)
    if args.settings is not None:
        values |= {k: str(v) for k, v in json.loads(args.settings.read_text())["Values"].items() if v != ""}
    tools = Tools.from_env(values)
    now = datetime.now(UTC)
    try:
        records = await _command(tools, args, now)
    finally:
        await tools.store.close()
    for record in records:
        print(json.dumps(record_json(record)) if args.json else record_line(record), file=out)
    return 0


async def _command(tools: Tools, args: argparse.Namespace, now: datetime) -> list[AuditRecord]:
    store = tools.store
    if args.command == "guest":
        return await store.audit.list_audit(guest_id=args.guest_id.lower())
    if args.command == "round":
        return await store.audit.list_audit(instance_id=args.instance_id.lower())
    if args.command == "failures":  # cleanup messages and HR callbacks that failed for good
        records = await store.audit.list_audit()
        return [r for r in records if r.action == Action.FAILED or (r.action, r.outcome) in CALLBACK_FAILURES]
    if args.command == "release-guard":
        message = await release_and_requeue(tools, args.instance_id.lower(), args.reason, now)
        return await store.audit.list_audit(instance_id=message.instance_id)
    body = {"definitionId": args.definition_id, "instanceId": args.instance_id, "groupId": args.group_id}
    message = CleanupMessage.parse(json.dumps(body))
    await requeue(tools, message, args.reason, now)
    return await store.audit.list_audit(instance_id=message.instance_id)


def main() -> int:
    try:
        return asyncio.run(run(sys.argv[1:], os.environ))
    except (GuestkeeperError, InvalidCleanupMessage) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
