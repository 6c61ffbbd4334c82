"""Crash and resume: a cleanup worker process killed (SIGKILL) half-way through a round, then the
message delivered again, as the host does after the visibility timeout.

Real processes: the Graph emulator on a loopback port (``python -m graph_emulator``), Azurite, and
the worker (``python -m tests.reliability.cleanup_worker``) building its worker from the
environment and running the real queue function. The emulator's latency and a batch concurrency of
one make the kill land between two ``$batch`` requests: after the first removals, or after the
first disables. A batch in flight when the worker dies may still be applied by Graph (the answer is
lost), which is the case a re-run must also handle.

Held: every denied guest is removed once and (if left with no group) disabled once, in the request
log of both runs together; nobody else is written to; one audit record per action, a summary and the
checkpoint; a third delivery does nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_emulator.state import default_seed
from shared.graph.client import StaticTokenCredential, build_graph_client
from shared.queue.message import CleanupMessage
from shared.state import StateStore
from tests.emulator.access_review_fixtures import guest_review
from tests.reliability import figures
from tests.reliability.pii import Sensitive, find_leaks
from tests.shared.conftest import settings_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GROUP = "c4a5e6f7-0a1b-4c2d-8e3f-4a5b6c7d8e9f"  # "Crash Test Partners", Unified, owned by Megan
FEELGOOD = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"
DENIED, APPROVED, ALSO_ELSEWHERE = 60, 20, 10  # the first ALSO_ELSEWHERE denied guests keep FEELGOOD
LATENCY_MS = 200  # a kill between two batches has this long to land


def guest_id(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"guestkeeper/crash/{n}"))


def guest_name(n: int) -> str:
    return f"Brontë Crashwell {n:03d}"


def seed() -> dict[str, Any]:
    """The default tenant plus 80 guests in one Microsoft 365 group (10 of them also in Feelgood)."""
    data = default_seed()
    guests = [
        {
            "id": guest_id(n),
            "displayName": guest_name(n),
            "userPrincipalName": f"crash{n:03d}_partners.example#EXT#@contoso.onmicrosoft.com",
            "mail": f"crash{n:03d}@partners.example",
            "userType": "Guest",
            "creationType": "Invitation",
            "externalUserState": "Accepted",
        }
        for n in range(DENIED + APPROVED)
    ]
    data["users"] = [*data["users"], *guests]
    for group in data["groups"]:
        if group["id"] == FEELGOOD:
            group["members"] = [*group["members"], *(guest_id(n) for n in range(ALSO_ELSEWHERE))]
    data["groups"] = [
        *data["groups"],
        {
            "id": GROUP,
            "displayName": "Crash Test Partners",
            "mailNickname": "CrashTestPartners",
            "groupTypes": ["Unified"],
            "mailEnabled": True,
            "securityEnabled": False,
            "owners": ["MeganB@contoso.onmicrosoft.com"],
            "members": [guest_id(n) for n in range(DENIED + APPROVED)],
        },
    ]
    return data


@dataclass
class Round:
    message: CleanupMessage
    denied: list[str]
    approved: list[str]


async def finished_round(control: httpx.AsyncClient, emulator_url: str) -> Round:
    """Reset the tenant, start the quarterly review, record the owner's decisions, end the round."""
    assert (await control.post("/_emulator/reset", json=seed())).status_code == 204
    token = (await control.post("/_emulator/token", json={})).json()["access_token"]
    transport = httpx.AsyncHTTPTransport()  # ours, so that it is closed when the review exists
    graph = build_graph_client(f"{emulator_url}/v1.0", StaticTokenCredential(token), transport=transport)
    try:
        definition = await graph.identity_governance.access_reviews.definitions.post(
            guest_review(start=date(2026, 1, 5), duration_days=14, auto_apply=False)
        )
    finally:
        await transport.aclose()
    assert definition is not None
    assert definition.id is not None
    listed = await control.get("/_emulator/accessReviews/instances", params={"definitionId": definition.id})
    [instance] = [i["id"] for i in listed.json()["value"] if i["groupId"] == GROUP]
    denied = [guest_id(n) for n in range(DENIED)]
    approved = [guest_id(n) for n in range(DENIED, DENIED + APPROVED)]
    for principal, decision in [*((g, "Deny") for g in denied), *((g, "Approve") for g in approved)]:
        body = {"instanceId": instance, "principalId": principal, "decision": decision}
        assert (await control.post("/_emulator/accessReviews/decisions", json=body)).status_code == 200
    assert (await control.post("/_emulator/clock", json={"advance": "P15D"})).status_code == 200
    return Round(CleanupMessage(definition.id, instance, GROUP), denied, approved)


@dataclass
class Run:
    returncode: int
    stderr: str
    seconds: float


Trigger = Callable[[list[dict[str, Any]]], bool]


async def run_worker(
    message: CleanupMessage,
    dequeue_count: int,
    env: dict[str, str],
    control: httpx.AsyncClient,
    kill_when: Trigger | None = None,
) -> Run:
    """Run one delivery in a worker process; SIGKILL it once ``kill_when(request log)`` holds."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.reliability.cleanup_worker",
        message.encode(),
        str(dequeue_count),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    reading = asyncio.ensure_future(process.stderr.read())
    try:
        while kill_when is not None and process.returncode is None:
            entries = (await control.get("/_emulator/requests")).json()["entries"]
            if kill_when(entries):
                process.kill()  # SIGKILL to this pid: no cleanup, no finally blocks
                break
            await asyncio.sleep(0.01)
        returncode = await asyncio.wait_for(process.wait(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return Run(returncode, (await reading).decode(errors="replace"), time.monotonic() - started)


def writes(entries: list[dict[str, Any]], method: str, marker: str) -> Counter[str]:
    """Successful writes of ``method`` whose path contains ``marker``, by the guest id in the path."""
    found: Counter[str] = Counter()
    for e in entries:
        if e["method"] == method and marker in e["path"] and e["status"] < 400:
            ids = [p for p in e["path"].split("/") if len(p) == 36 and p != GROUP]
            found[ids[-1]] += 1
    return found


def removals(entries: list[dict[str, Any]]) -> Counter[str]:
    return writes(entries, "DELETE", f"/groups/{GROUP}/members/")


def disables(entries: list[dict[str, Any]]) -> Counter[str]:
    return writes(entries, "PATCH", "/users/")


@pytest.fixture
def worker_env(emulator_url: str, storage_connection_string: str, table_name: str) -> dict[str, str]:
    app = settings_env(
        GRAPH_BASE_URL=f"{emulator_url}/v1.0",
        AzureWebJobsStorage=storage_connection_string,
        STATE_TABLE_NAME=table_name,
        CLEANUP_MAX_DENIAL_SHARE="0.9",  # 60 of 80 denied: above the default guard of 0.5
        RELIABILITY_BATCH_CONCURRENCY="1",
    )
    return {**os.environ, **app, "PYTHONPATH": str(ROOT)}


KILL_POINTS: dict[str, Trigger] = {
    "after-first-removals": lambda entries: sum(removals(entries).values()) > 0,
    "after-first-disables": lambda entries: sum(disables(entries).values()) > 0,
}


@pytest.mark.parametrize("kill_point", KILL_POINTS)
async def test_a_killed_cleanup_is_completed_by_the_next_delivery_with_nothing_done_twice(
    kill_point: str,
    control: httpx.AsyncClient,
    emulator_url: str,
    worker_env: dict[str, str],
    store: StateStore,
    sensitive: Sensitive,
) -> None:
    review = await finished_round(control, emulator_url)
    sensitive.add(*(guest_name(n) for n in range(DENIED + APPROVED)), "partners.example")
    await control.delete("/_emulator/requests")
    await control.put("/_emulator/faults", json={"latency_ms": LATENCY_MS})

    killed = await run_worker(review.message, 1, worker_env, control, KILL_POINTS[kill_point])
    await asyncio.sleep(2 * LATENCY_MS / 1000)  # a batch in flight at the kill may still be applied
    at_kill = (await control.get("/_emulator/requests")).json()["entries"]
    assert killed.returncode == -signal.SIGKILL
    assert not await store.reviews.instance_done(review.message.instance_id)
    audited_at_kill = len(await store.audit.list_audit(instance_id=review.message.instance_id))
    await control.put("/_emulator/faults", json={})

    resumed = await run_worker(review.message, 2, worker_env, control)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    entries = (await control.get("/_emulator/requests")).json()["entries"]
    state = (await control.get("/_emulator/state")).json()

    orphans = review.denied[ALSO_ELSEWHERE:]
    assert removals(entries) == Counter(dict.fromkeys(review.denied, 1))  # each denied guest once
    assert disables(entries) == Counter(dict.fromkeys(orphans, 1))  # each orphan once, no one else
    users = {u["id"]: u for u in state["users"]}
    groups = {g["id"]: g for g in state["groups"]}
    assert set(groups[GROUP]["members"]) == set(review.approved)
    assert all(users[g]["account_enabled"] is False for g in orphans)
    assert all(users[g]["account_enabled"] for g in [*review.denied[:ALSO_ELSEWHERE], *review.approved])

    audit = await store.audit.list_audit(instance_id=review.message.instance_id)
    per_guest = Counter((r.guest_id, r.action) for r in audit if r.guest_id)
    assert per_guest == Counter(
        {(g, a): 1 for g in review.denied for a in ("remove-membership", "disable-account")}
    )
    outcomes = Counter(f"{r.action}:{r.outcome}" for r in audit)
    assert outcomes["round-summary:done"] == 1
    assert outcomes["remove-membership:removed"] + outcomes["remove-membership:already-removed"] == DENIED
    assert outcomes["disable-account:disabled"] + outcomes["disable-account:already-disabled"] == len(orphans)
    assert outcomes["disable-account:kept-other-groups"] == ALSO_ELSEWHERE
    assert await store.reviews.instance_done(review.message.instance_id)
    assert all([await store.denials.latest_denial(g) for g in review.denied])
    disabled = await store.disabled.disabled_before(datetime(2100, 1, 1, tzinfo=UTC))
    assert {d.guest_id for d in disabled} == set(orphans)  # the grace deletion will find every one

    await control.delete("/_emulator/requests")
    again = await run_worker(review.message, 3, worker_env, control)
    assert again.returncode == 0
    assert (await control.get("/_emulator/requests")).json()["roundTrips"] == 0  # the checkpoint

    for run in (killed, resumed, again):
        assert not find_leaks(run.stderr.splitlines(), sensitive.values)
    figures.record(
        f"crash {kill_point}",
        denied=DENIED,
        orphans=len(orphans),
        removed_before_kill=sum(removals(at_kill).values()),
        disabled_before_kill=sum(disables(at_kill).values()),
        audited_by_killed_run=audited_at_kill,
        rerun_removed=outcomes["remove-membership:removed"],
        rerun_already_removed=outcomes["remove-membership:already-removed"],
        rerun_disabled=outcomes["disable-account:disabled"],
        rerun_already_disabled=outcomes["disable-account:already-disabled"],
        duplicate_writes=sum(n - 1 for c in (removals(entries), disables(entries)) for n in c.values()),
        audit_records=len(audit),
        killed_after_s=round(killed.seconds, 2),
        rerun_s=round(resumed.seconds, 2),
    )
