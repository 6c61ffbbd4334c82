"""Crash and resume for offboarding: a worker process killed (SIGKILL) after the guests' removals and
before their accounts are disabled, then the same delivery sent again, as an HR system's retry does.

Real processes: the Graph emulator on a loopback port, Azurite, and the worker
(``python -m tests.reliability.offboarding_worker``) building its worker from the environment and
running the real ``offboard_guests`` HTTP function. Graph answers every ``PATCH /users`` with 503
until the kill, so the kill lands at a known point: every removal made and audited, no account
disabled yet. The killed worker's webhook claim is still "processing": a retry within 15 minutes is
refused as in progress (409), after that it is taken over (the test ages the claim instead of
waiting).

Held: every membership is removed once and every guest left with no group disabled once, in the
request log of both runs together; nobody else is written to; the resumed answer reports the
removals of the first attempt; the audit holds each removal, account decision and summary once;
cool-downs and disabled dates are recorded; a third delivery is a replay that calls no Graph.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.data.tables import UpdateMode

from graph_emulator.state import default_seed
from shared.state import StateStore
from tests.reliability import figures
from tests.reliability.pii import Sensitive, find_leaks
from tests.shared.conftest import settings_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FEELGOOD = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"
RETAIL = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"
EXTRANET = "d5b6c7e8-1a2b-4c3d-9e4f-5a6b7c8d9e0f"  # a Microsoft 365 group outside the allowlist
LEAVERS, ELSEWHERE = 30, 10  # the last ELSEWHERE leavers are also in EXTRANET: they keep their account
WEBHOOK_ID = "msg_hr_contracts_ended_2026_03"


def guest_id(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"guestkeeper/offboard-crash/{n}"))


def address(n: int) -> str:
    return f"leaver{n:03d}@contractors.example"


def name(n: int) -> str:
    return f"Perpetua Leaveworth {n:03d}"


def seed() -> dict[str, Any]:
    """The default tenant plus the leavers, each in Feelgood and Retail (two managed groups)."""
    data = default_seed()
    data["users"] = [
        *data["users"],
        *(
            {
                "id": guest_id(n),
                "displayName": name(n),
                "userPrincipalName": f"leaver{n:03d}_contractors.example#EXT#@contoso.onmicrosoft.com",
                "mail": address(n),
                "userType": "Guest",
                "creationType": "Invitation",
                "externalUserState": "Accepted",
            }
            for n in range(LEAVERS)
        ),
    ]
    leavers = [guest_id(n) for n in range(LEAVERS)]
    for group in data["groups"]:
        if group["id"] in (FEELGOOD, RETAIL):
            group["members"] = [*group["members"], *leavers]
    extranet = {
        "id": EXTRANET,
        "displayName": "Contractor Extranet",
        "mailNickname": "ContractorExtranet",
        "groupTypes": ["Unified"],
        "mailEnabled": True,
        "securityEnabled": False,
        "members": leavers[LEAVERS - ELSEWHERE :],
    }
    data["groups"] = [*data["groups"], extranet]
    return data


@dataclass
class Run:
    returncode: int
    answer: dict[str, Any] | None
    stderr: str
    seconds: float


async def run_worker(
    body: bytes,
    env: dict[str, str],
    control: httpx.AsyncClient,
    kill_when: Callable[[list[dict[str, Any]]], bool] | None = None,
) -> Run:
    """Deliver ``body`` once in a worker process; SIGKILL it once ``kill_when(request log)`` holds."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.reliability.offboarding_worker",
        body.decode(),
        WEBHOOK_ID,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    reading = asyncio.ensure_future(asyncio.gather(process.stdout.read(), process.stderr.read()))
    try:
        while kill_when is not None and process.returncode is None:
            if kill_when((await control.get("/_emulator/requests")).json()["entries"]):
                process.kill()  # SIGKILL to this pid: no cleanup, no finally blocks
                break
            await asyncio.sleep(0.01)
        returncode = await asyncio.wait_for(process.wait(), 90)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    out, err = await reading
    answer = json.loads(out) if returncode == 0 else None
    return Run(returncode, answer, err.decode(errors="replace"), time.monotonic() - started)


def writes(entries: list[dict[str, Any]], method: str) -> Counter[str]:
    """Successful ``method`` items, by the path they wrote."""
    return Counter(e["path"] for e in entries if e["method"] == method and e["status"] < 400)


def removals(entries: list[dict[str, Any]]) -> Counter[str]:
    return writes(entries, "DELETE")


def disables(entries: list[dict[str, Any]]) -> Counter[str]:
    return writes(entries, "PATCH")


def disable_tried(entries: list[dict[str, Any]]) -> bool:
    return any(e["method"] == "PATCH" for e in entries)


async def age_the_claim(store: StateStore) -> None:
    """What 15 minutes do to the killed worker's claim: it becomes stale, so a retry takes it over."""
    table = await store.table.client()
    key = hashlib.sha256(WEBHOOK_ID.encode()).hexdigest()  # the webhook partition's row key
    stale = datetime.now(UTC) - timedelta(minutes=16)
    await table.update_entity({"PartitionKey": "webhook", "RowKey": key, "At": stale}, mode=UpdateMode.MERGE)


@pytest.fixture
def worker_env(emulator_url: str, storage_connection_string: str, table_name: str) -> dict[str, str]:
    app = settings_env(
        GRAPH_BASE_URL=f"{emulator_url}/v1.0",
        AzureWebJobsStorage=storage_connection_string,
        STATE_TABLE_NAME=table_name,
        RELIABILITY_BATCH_CONCURRENCY="1",
    )
    return {**os.environ, **app, "PYTHONPATH": str(ROOT)}


async def test_a_killed_offboarding_is_completed_by_the_retried_delivery_with_nothing_done_twice(
    control: httpx.AsyncClient, worker_env: dict[str, str], store: StateStore, sensitive: Sensitive
) -> None:
    assert (await control.post("/_emulator/reset", json=seed())).status_code == 204
    sensitive.add(
        *(name(n) for n in range(LEAVERS)), *(address(n) for n in range(LEAVERS)), "contractors.example"
    )
    guests = [guest_id(n) for n in range(LEAVERS)]
    orphans, kept = guests[: LEAVERS - ELSEWHERE], guests[LEAVERS - ELSEWHERE :]
    body = json.dumps({"guests": [{"email": address(n), "reason": "contract ended"} for n in range(LEAVERS)]})
    await control.delete("/_emulator/requests")
    await control.put(
        "/_emulator/faults", json={"rules": [{"status": 503, "method": "PATCH", "retry_after": 1}]}
    )

    killed = await run_worker(body.encode(), worker_env, control, disable_tried)
    at_kill = (await control.get("/_emulator/requests")).json()["entries"]
    assert killed.returncode == -signal.SIGKILL
    assert sum(removals(at_kill).values()) == 2 * LEAVERS  # every membership removed...
    assert not disables(at_kill)  # ...and no account disabled
    audit_at_kill = await store.audit.list_audit()
    assert Counter(r.action for r in audit_at_kill) == {"offboarding.remove-membership": 2 * LEAVERS}
    await control.put("/_emulator/faults", json={})

    too_soon = await run_worker(body.encode(), worker_env, control)
    assert too_soon.answer is not None
    assert (too_soon.answer["status"], too_soon.answer["body"]["type"].rsplit("/", 1)[-1]) == (
        409,
        "webhook-replayed",
    )
    assert "being processed" in too_soon.answer["body"]["detail"]
    await age_the_claim(store)

    resumed = await run_worker(body.encode(), worker_env, control)
    assert resumed.answer is not None, resumed.stderr[-2000:]
    assert resumed.answer["status"] == 207
    results = resumed.answer["body"]["results"]
    assert [r["status"] for r in results] == [200] * LEAVERS
    for result in results:  # the first attempt's removals, reported
        groups = {g["groupId"]: g["status"] for g in result["guest"]["groups"]}
        assert groups[FEELGOOD] == groups[RETAIL] == "removed"
    accounts = Counter(r["guest"]["account"] for r in results)
    assert accounts == {"disabled": len(orphans), "keptOtherAccess": len(kept)}

    entries = (await control.get("/_emulator/requests")).json()["entries"]
    assert set(removals(entries).values()) == {1}  # each membership once, over both runs
    assert sum(removals(entries).values()) == 2 * LEAVERS
    assert disables(entries) == Counter({f"/v1.0/users/{g}": 1 for g in orphans})  # each orphan once
    state = (await control.get("/_emulator/state")).json()
    users = {u["id"]: u for u in state["users"]}
    groups = {g["id"]: g for g in state["groups"]}
    assert not set(guests) & (set(groups[FEELGOOD]["members"]) | set(groups[RETAIL]["members"]))
    assert set(groups[EXTRANET]["members"]) == set(kept)  # not a managed group: left alone
    assert all(users[g]["account_enabled"] is False for g in orphans)
    assert all(users[g]["account_enabled"] for g in kept)

    audit = await store.audit.list_audit()
    assert Counter((r.guest_id, r.action) for r in audit) == Counter(
        {(g, "offboarding.remove-membership"): 2 for g in guests}
        | {(g, a): 1 for g in guests for a in ("offboarding.disable-account", "offboarding.guest")}
    )
    assert Counter(r.outcome for r in audit if r.action == "offboarding.disable-account") == {
        "disabled": len(orphans),
        "kept-other-groups": len(kept),
    }
    assert set(await store.disabled.disabled_since(guests)) == set(orphans)  # the grace deletion finds them
    assert all([await store.denials.latest_denial(g) for g in guests])  # the cool-down holds for all

    await control.delete("/_emulator/requests")
    again = await run_worker(body.encode(), worker_env, control)
    assert again.answer is not None
    assert again.answer["status"] == 409  # done: a replay, answered from the state table
    assert "it succeeded" in again.answer["body"]["detail"]
    assert (await control.get("/_emulator/requests")).json()["roundTrips"] == 0

    for run in (killed, too_soon, resumed, again):
        assert not find_leaks(run.stderr.splitlines(), sensitive.values)
    figures.record(
        "crash offboarding before-disables",
        leavers=LEAVERS,
        orphans=len(orphans),
        removed_before_kill=sum(removals(at_kill).values()),
        audited_by_killed_run=len(audit_at_kill),
        duplicate_writes=sum(n - 1 for c in (removals(entries), disables(entries)) for n in c.values()),
        audit_records=len(audit),
        killed_after_s=round(killed.seconds, 2),
        rerun_s=round(resumed.seconds, 2),
    )
