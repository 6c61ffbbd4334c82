"""``python -m shared.audit``: the audit by guest (onboarding included) and by round, what it says when
nothing matches, failures, the round report, guard release and requeue, against Azurite (table and
queue), guests onboarded through the real handler and rounds cleaned up on the emulator."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.storage.queue.aio import QueueClient

from graph_emulator import TenantState
from shared.audit import run
from shared.cleanup.round import RoundOutcome, clean_up_instance
from shared.cleanup.settings import CleanupSettings
from shared.errors import GuestkeeperError
from shared.queue.message import CleanupMessage
from shared.state import AuditRecord, StateStore
from tests.shared.cleanup.fixtures import FEELGOOD, NO_GUARD, cleanup_deps, finished_round, guests
from tests.shared.conftest import FAST_RETRIES, MEGAN, RETAIL, guest

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def environ(storage_connection_string: str, table_name: str) -> dict[str, str]:
    queue = f"cleanup-{uuid.uuid4().hex[:12]}"
    return {
        "AzureWebJobsStorage": storage_connection_string,
        "STATE_TABLE_NAME": table_name,
        "CLEANUP_QUEUE_NAME": queue,
    }


async def cli(environ: dict[str, str], *argv: str) -> list[str]:
    """Stdout's lines (with ``--json``, the records only: see ``cli_err``)."""
    return (await cli_err(environ, *argv))[0]


async def cli_err(environ: dict[str, str], *argv: str, **kwargs: Any) -> tuple[list[str], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    assert await run(argv, environ, out, err, **kwargs) == 0
    return out.getvalue().splitlines(), err.getvalue().splitlines()


async def cleaned_round(
    graph: Any, raw: httpx.AsyncClient, state: TenantState, store: StateStore, settings: CleanupSettings
) -> tuple[Any, CleanupMessage, Any]:
    denied, kept = guests(state, 2, [FEELGOOD])
    review = await finished_round(
        graph, raw, {FEELGOOD: {denied.id: "Deny", kept.id: "Approve"}}, auto_apply=False
    )
    message = review.message(FEELGOOD)
    result = await clean_up_instance(
        cleanup_deps(graph, store, settings, now=NOW, retry=FAST_RETRIES), message
    )
    return denied, message, result


async def test_by_round_and_by_guest(
    graph: Any,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    store: StateStore,
    environ: dict[str, str],
) -> None:
    denied, message, _ = await cleaned_round(graph, raw_client, emulator_state, store, NO_GUARD)
    lines = await cli(environ, "round", message.instance_id)
    assert len(lines) == 4
    assert lines[-1] == "3 records"
    assert any("remove-membership  removed" in line and f"guest={denied.id}" in line for line in lines)
    assert any(line.split("  ")[1:3] == ["round-summary", "done"] for line in lines)

    out, err = await cli_err(environ, "--json", "guest", denied.id.upper())
    records = [json.loads(line) for line in out]
    round_ = message.instance_id  # denied when the reviewer decided, disabled when cleanup ran
    assert err == [
        "2 records",
        f"guest {denied.id}: not onboarded by Guestkeeper; denied 2026-01-05T09:00:00Z in round {round_}; "
        f"disabled 2026-01-20T12:00:00Z in round {round_}",
    ]
    assert {(r["action"], r["outcome"]) for r in records} == {
        ("remove-membership", "removed"),
        ("disable-account", "disabled"),
    }
    assert all(r["decision"] == "Deny" and r["groupId"] == FEELGOOD for r in records)
    assert all(r["at"] == "2026-01-20T12:00:00Z" for r in records)
    summary = json.loads((await cli(environ, "--json", "round", message.instance_id))[-1])
    assert summary["detail"]["actions"] == {"disable-account:disabled": 1, "remove-membership:removed": 1}


async def test_nothing_matching_says_0_records_and_whether_the_guest_is_known(
    store: StateStore, environ: dict[str, str]
) -> None:
    assert await cli(environ, "failures") == ["0 records"]
    assert await cli_err(environ, "--json", "failures") == ([], ["0 records"])
    stranger = str(uuid.uuid4())
    assert await cli(environ, "guest", stranger) == [
        "0 records",
        f"unknown guest {stranger}: Guestkeeper has no onboarding record, review denial, disabled date or "
        "audit record of it",
    ]
    assert await cli(environ, "guest", "Nobody@Fabrikam.com") == [
        "0 records",
        "unknown guest: Guestkeeper has no onboarding record of this address",
    ]
    denied = str(uuid.uuid4())
    await store.denials.record_denial(denied, "round-1", NOW)
    assert await cli(environ, "guest", denied) == [
        "0 records",
        f"guest {denied}: not onboarded by Guestkeeper; denied 2026-01-20T12:00:00Z in round round-1; "
        "not disabled",
    ]


async def test_a_guest_just_onboarded_shows_its_records_by_address_and_by_id(
    post: Any, environ: dict[str, str]
) -> None:
    created = await post(guest("ada@fabrikam.com", groups=[FEELGOOD, RETAIL], sponsor=MEGAN))
    assert created.status == 201
    user_id = created.json["userId"]
    lines = await cli(environ, "guest", "ADA@fabrikam.com")
    assert lines == await cli(environ, "guest", user_id)
    *records, count, about = lines
    assert sorted(line.split("  ")[1:3] for line in records) == [
        ["onboarding.add-membership", "added"],
        ["onboarding.add-membership", "added"],
        ["onboarding.add-sponsor", "added"],
        ["onboarding.invite", "invited"],
    ]
    assert all(f"guest={user_id}" in line for line in records)
    assert not any("ada@" in line.lower() for line in lines)  # the address is never printed back
    assert count == "4 records"
    assert about.startswith(f"guest {user_id}: onboarded 20")
    assert about.endswith("; no review denial; not disabled")


async def test_the_report_command_writes_the_round_page(
    graph: Any,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    emulator: Any,
    store: StateStore,
    environ: dict[str, str],
    tmp_path: Path,
) -> None:
    _, message, _ = await cleaned_round(graph, raw_client, emulator_state, store, NO_GUARD)
    page = tmp_path / "round.html"
    graph_settings = {"GRAPH_BASE_URL": "http://127.0.0.1/v1.0", "GRAPH_AUTH_MODE": "emulator"}
    out, _ = await cli_err(
        environ | graph_settings,
        "report",
        "--round",
        message.instance_id.upper(),
        "--html",
        str(page),
        transport=httpx.ASGITransport(app=emulator),
    )
    assert out == [f"{page}: 2 decisions, 3 records"]
    text = page.read_text(encoding="utf-8")
    assert message.instance_id in text
    assert "<script" not in text


async def test_release_guard_records_the_reason_and_requeues_the_round(
    graph: Any,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    store: StateStore,
    environ: dict[str, str],
) -> None:
    strict = CleanupSettings(guard_min_decisions=2, max_denial_share=0.25)
    _, message, result = await cleaned_round(graph, raw_client, emulator_state, store, strict)
    assert result.outcome is RoundOutcome.GUARDED

    lines = await cli(environ, "release-guard", message.instance_id, "--reason", "HR confirmed")
    assert any("guard-release  released" in line and "HR confirmed" in line for line in lines)
    async with QueueClient.from_connection_string(
        environ["AzureWebJobsStorage"], environ["CLEANUP_QUEUE_NAME"]
    ) as queue:
        (sent,) = [m async for m in queue.receive_messages(max_messages=5)]
    assert CleanupMessage.parse(base64.b64decode(sent.content).decode()) == message

    again = await clean_up_instance(cleanup_deps(graph, store, strict, now=NOW, retry=FAST_RETRIES), message)
    assert again.outcome is RoundOutcome.DONE
    assert again.actions["disable-account:disabled"] == 1


async def test_release_guard_refuses_a_round_the_guard_did_not_stop(
    graph: Any,
    raw_client: httpx.AsyncClient,
    emulator_state: TenantState,
    store: StateStore,
    environ: dict[str, str],
) -> None:
    _, message, _ = await cleaned_round(graph, raw_client, emulator_state, store, NO_GUARD)
    with pytest.raises(GuestkeeperError, match="not stopped by the mass-removal guard"):
        await run(["release-guard", message.instance_id, "--reason", "x"], environ, io.StringIO())


async def test_requeue_and_failures(store: StateStore, environ: dict[str, str]) -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    await store.audit.record_audit(
        AuditRecord("message-failed", "poisoned", NOW, instance_id=ids[1], detail="Forbidden")
    )
    await store.audit.record_audit(AuditRecord("hr-callback", "poisoned", NOW, guest_id=ids[0], detail="503"))
    await store.audit.record_audit(AuditRecord("hr-callback", "delivered", NOW, guest_id=ids[2]))
    *failures, count = await cli(environ, "failures")
    assert count == "2 records"  # the delivered callback is not a failure
    assert any("message-failed  poisoned" in line for line in failures)
    assert any(f"hr-callback  poisoned  guest={ids[0]}" in line for line in failures)

    lines = await cli(environ, "requeue", *ids, "--reason", "permission granted")
    assert any("requeue  done" in line and "permission granted" in line for line in lines)
    async with QueueClient.from_connection_string(
        environ["AzureWebJobsStorage"], environ["CLEANUP_QUEUE_NAME"]
    ) as queue:
        (sent,) = [m async for m in queue.receive_messages(max_messages=5)]
    assert CleanupMessage.parse(base64.b64decode(sent.content).decode()) == CleanupMessage(*ids)


def test_the_module_runs_and_reports_bad_settings_by_name(tmp_path: Path) -> None:
    settings = tmp_path / "local.settings.json"
    settings.write_text(json.dumps({"Values": {"STATE_TABLE_NAME": "no_underscores"}}))
    done = subprocess.run(
        [sys.executable, "-m", "shared.audit", "--settings", str(settings), "failures"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "", "PYTHONWARNINGS": "ignore"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "STATE_TABLE_NAME" in done.stderr
    assert "AzureWebJobsStorage" in done.stderr

    settings.write_text(json.dumps({"Values": {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}}))
    for argv in (["guest", "ada@"], ["round", "not-a-round"], ["report", "--round", "x", "--html", "x.html"]):
        done = subprocess.run(
            [sys.executable, "-m", "shared.audit", "--settings", str(settings), *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={"PATH": "", "PYTHONWARNINGS": "ignore"},
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, argv
        assert done.stderr.startswith(f"error: {argv[0] if argv[0] != 'report' else 'round'} must be"), argv
        assert "ada@" not in done.stderr


async def test_an_offboarded_guest_shows_the_offboarding_and_says_who_disabled_it(
    post: Any, offboard: Any, environ: dict[str, str]
) -> None:
    created = await post(guest("ada@fabrikam.com", groups=[FEELGOOD]))
    user_id = created.json["userId"]
    assert (await offboard({"email": "ada@fabrikam.com", "reason": "contract ended"})).status == 200
    lines = await cli(environ, "guest", "Ada@Fabrikam.com")
    assert lines == await cli(environ, "guest", user_id)
    *records, count, about = lines
    assert sorted(line.split("  ")[1:3] for line in records) == [
        ["offboarding.disable-account", "disabled"],
        ["offboarding.guest", "disabled"],
        ["offboarding.remove-membership", "removed"],
        ["onboarding.add-membership", "added"],
        ["onboarding.invite", "invited"],
    ]
    assert not any("ada@" in line.lower() for line in lines)
    assert count == "5 records"
    assert about.startswith(f"guest {user_id}: onboarded 20")
    assert "by an HR offboarding; disabled 20" in about
    assert about.endswith("by an HR offboarding")
