"""Read the audit trail, report on a round, release the mass-removal guard, re-enqueue a round:
``python -m shared.audit``.

    python -m shared.audit [--settings local.settings.json] [--json] guest GUEST_ID_OR_ADDRESS
    python -m shared.audit round INSTANCE_ID
    python -m shared.audit failures            # cleanup messages and HR callbacks gone to poison
    python -m shared.audit report --round INSTANCE_ID --html round.html
    python -m shared.audit release-guard INSTANCE_ID --reason "HR confirmed the contracts ended"
    python -m shared.audit requeue DEFINITION_ID INSTANCE_ID GROUP_ID --reason "permission fixed"

It needs the storage settings (``AzureWebJobsStorage`` as a connection string, ``STATE_TABLE_NAME``,
``CLEANUP_QUEUE_NAME``), read from the environment or from the ``Values`` of a local.settings.json;
``report`` also the Graph settings, to read the round's decisions. Output is one line per record
(or, with ``--json``, one JSON object per line), then the count, so that no match still says
"0 records"; ``guest`` adds what else Guestkeeper knows of the guest. With ``--json`` stdout holds
the records only and those lines go to stderr.
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
from typing import TextIO

import httpx

from shared.auditing.answers import record_json
from shared.auditing.deps import AuditingDeps
from shared.auditing.lookup import GuestTrail, guest_trail, round_records
from shared.auditing.query import parse_guest, parse_round
from shared.auditing.report import RoundReport, gather_report
from shared.auditing.report_html import render
from shared.callbacks.delivery import ACTION as CALLBACK_ACTION
from shared.cleanup import audit as cleanup_audit
from shared.cleanup import guard
from shared.cleanup.audit import Action, Outcome
from shared.cleanup.settings import CleanupSettings
from shared.config import Env, GraphSettings, StorageSettings
from shared.errors import GuestkeeperError, RequestRefused
from shared.graph.client import one_shot_graph_client
from shared.queue.message import CleanupMessage, InvalidCleanupMessage
from shared.queue.sender import StorageQueue
from shared.state import AuditRecord, Denial, DisabledGuest, StateStore

__all__ = ["main", "record_json", "record_line", "run"]
CALLBACK_FAILURES = {(CALLBACK_ACTION, "poisoned"), (CALLBACK_ACTION, "invalid")}


def record_line(record: AuditRecord) -> str:
    fields = [f"{record.at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}", record.action, record.outcome]
    fields += [f"guest={record.guest_id}"] if record.guest_id else []
    fields += [f"group={record.group_id}"] if record.group_id else []
    fields += [f"instance={record.instance_id}"] if record.instance_id else []
    fields += [f"decision={record.decision}"] if record.decision else []
    fields += [record.detail] if record.detail else []
    return "  ".join(fields)


def about_guest(trail: GuestTrail) -> str:
    """Whether Guestkeeper knows the guest at all, and how: said even when no record matches."""
    if trail.guest_id is None:
        return "unknown guest: Guestkeeper has no onboarding record of this address"
    if not trail.known:
        return (
            f"unknown guest {trail.guest_id}: Guestkeeper has no onboarding record, review denial, "
            "disabled date or audit record of it"
        )
    onboarding, denial, disabled = trail.onboarding, trail.denial, trail.disabled
    facts = [
        f"onboarded {_at(onboarding.created_at)}" if onboarding else "not onboarded by Guestkeeper",
        f"denied {_at(denial.denied_at)} {_by(denial)}" if denial else "no review denial",
        f"disabled {_at(disabled.disabled_at)} {_by(disabled)}" if disabled else "not disabled",
    ]
    return f"guest {trail.guest_id}: " + "; ".join(facts)


def _by(fact: Denial | DisabledGuest) -> str:
    return "by an HR offboarding" if fact.by_offboarding else f"in round {fact.instance_id}"


def _at(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


@dataclass(frozen=True)
class Listing:
    """What a reading command found: its records, and for ``guest`` what else is known."""

    records: list[AuditRecord]
    about: str | None = None

    def show(self, as_json: bool, out: TextIO, err: TextIO) -> None:
        for record in self.records:
            print(json.dumps(record_json(record)) if as_json else record_line(record), file=out)
        notes = err if as_json else out
        print(f"{len(self.records)} record{'' if len(self.records) == 1 else 's'}", file=notes)
        if self.about is not None:
            print(self.about, file=notes)


@dataclass(frozen=True)
class Tools:
    store: StateStore
    cleanup: CleanupSettings
    storage: StorageSettings
    environ: Mapping[str, str]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Tools:
        env = Env(environ)
        storage, cleanup = StorageSettings.from_env(env), CleanupSettings.from_env(env)
        env.raise_if_problems()
        return cls(StateStore.from_settings(storage), cleanup, storage, environ)

    def graph_settings(self) -> GraphSettings:
        """Read only by ``report``: the other commands need no Graph access."""
        env = Env(self.environ)
        settings = GraphSettings.from_env(env)
        env.raise_if_problems()
        return settings

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
    main.add_argument("--json", action="store_true", help="one JSON object per line (counts on stderr)")
    commands = main.add_subparsers(dest="command", required=True)
    commands.add_parser("guest", help="every record about one guest, by user id or address").add_argument(
        "guest"
    )
    commands.add_parser("round", help="every record of one review round").add_argument("instance_id")
    commands.add_parser("failures", help="messages that were invalid or went to the poison queue")
    report = commands.add_parser("report", help="one review round as a self-contained HTML page")
    report.add_argument("--round", required=True, dest="instance_id", help="the review instance id")
    report.add_argument("--html", required=True, type=Path, help="the file to write")
    release = commands.add_parser("release-guard", help="let a round the guard stopped proceed")
    release.add_argument("instance_id")
    release.add_argument("--reason", required=True)
    again = commands.add_parser("requeue", help="send a round to the cleanup queue again")
    for name in ("definition_id", "instance_id", "group_id"):
        again.add_argument(name)
    again.add_argument("--reason", required=True)
    return main


async def run(
    argv: Sequence[str],
    environ: Mapping[str, str],
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """The command line; ``transport`` reaches Graph another way (tests: the in-process emulator)."""
    args = parser().parse_args(argv)
    values = dict(environ)
    if args.settings is not None:
        values |= {k: str(v) for k, v in json.loads(args.settings.read_text())["Values"].items() if v != ""}
    tools = Tools.from_env(values)
    now = datetime.now(UTC)
    try:
        if args.command == "report":
            report = await write_report(
                tools, parse_round(args.instance_id).instance_id, args.html, now, transport
            )
            decisions = len(report.facts.decisions) if report.facts else "no"
            print(f"{args.html}: {decisions} decisions, {len(report.records)} records", file=out)
            return 0
        listing = await _command(tools, args, now)
    finally:
        await tools.store.close()
    listing.show(args.json, out, err)
    return 0


async def write_report(
    tools: Tools, instance_id: str, path: Path, now: datetime, transport: httpx.AsyncBaseTransport | None
) -> RoundReport:
    store = tools.store
    async with one_shot_graph_client(tools.graph_settings(), transport) as graph:
        report = await gather_report(store.audit, store.reviews, graph, instance_id, now=now)
    await asyncio.to_thread(path.write_text, render(report), encoding="utf-8")
    return report


async def _command(tools: Tools, args: argparse.Namespace, now: datetime) -> Listing:
    store = tools.store
    if args.command == "guest":
        trail = await guest_trail(AuditingDeps.over(store), parse_guest(args.guest))
        return Listing(trail.records, about_guest(trail))
    if args.command == "round":
        return Listing(await round_records(store.audit, parse_round(args.instance_id).instance_id))
    if args.command == "failures":  # cleanup messages and HR callbacks that failed for good
        records = await store.audit.list_audit()
        return Listing(
            [r for r in records if r.action == Action.FAILED or (r.action, r.outcome) in CALLBACK_FAILURES]
        )
    if args.command == "release-guard":
        message = await release_and_requeue(tools, args.instance_id.lower(), args.reason, now)
        return Listing(await store.audit.list_audit(instance_id=message.instance_id))
    body = {"definitionId": args.definition_id, "instanceId": args.instance_id, "groupId": args.group_id}
    message = CleanupMessage.parse(json.dumps(body))
    await requeue(tools, message, args.reason, now)
    return Listing(await store.audit.list_audit(instance_id=message.instance_id))


def main() -> int:
    try:
        return asyncio.run(run(sys.argv[1:], os.environ))
    except RequestRefused as exc:  # a bad id or address, or nothing recorded of a round to report on
        fields = "; ".join(f"{e.field} {e.message}" for e in exc.errors)
        print(f"error: {fields or exc.detail}", file=sys.stderr)
        return 2
    except (GuestkeeperError, InvalidCleanupMessage) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
