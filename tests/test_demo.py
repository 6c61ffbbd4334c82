"""``make demo`` as an end-to-end test: real processes (emulator, Azurite, devhost), the story's outcomes.

One run of ``python -m scripts.demo`` serves every assertion (about 5-10 s), the leavers' chapter
and the HR callbacks its receiver verified included; a second run is interrupted with Ctrl-C
half-way to prove that nothing is left behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scripts.send_webhook import FEELGOOD, settings_values
from scripts.story import RETAIL
from tests.process_output import read_until

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
FEELGOOD_NAME, RETAIL_NAME = "Feelgood Marketing Campaign", "Retail Partners"


@dataclass(frozen=True)
class DemoRun:
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any]
    log_dir: Path
    seconds: float

    def guest(self, name: str) -> dict[str, Any]:
        return next(g for g in self.report["guests"] if g["name"] == name)

    def leaver(self, name: str) -> dict[str, Any]:
        return next(g for g in self.report["chapter"]["guests"] if g["name"] == name)

    def steps(self, *numbers: int) -> list[dict[str, Any]]:
        return [s for s in self.report["steps"] if s["number"] in numbers]

    def audit(self, **fields: str) -> list[dict[str, Any]]:
        return [r for r in self.report["audit"] if all(r.get(k) == v for k, v in fields.items())]


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def run_demo(log_dir: Path, env: dict[str, str] | None = None) -> DemoRun:
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.demo",
            "--log-dir",
            str(log_dir),
            "--json-file",
            str(log_dir / "r.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=os.environ | {"NO_COLOR": "1"} | (env or {}),
    )
    seconds = time.monotonic() - started
    report_file = log_dir / "r.json"
    assert done.returncode == 0, f"demo failed:\n{done.stderr}\n{done.stdout}"
    return DemoRun(
        done.returncode, done.stdout, done.stderr, json.loads(report_file.read_text()), log_dir, seconds
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def sponsors_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """``make demo REVIEWERS=sponsors`` sets the same variable."""
    return run_demo(tmp_path_factory.mktemp("demo-sponsors"), {"GUESTKEEPER_DEMO_REVIEWERS": "sponsors"})


def test_exits_0_well_under_two_minutes_and_stops_every_process(demo: DemoRun) -> None:
    assert demo.returncode == 0
    assert demo.seconds < 120
    assert len(demo.report["pids"]) == 3  # emulator, Azurite, devhost
    assert [pid for pid in demo.report["pids"] if alive(pid)] == []


def test_tells_every_step_of_the_story(demo: DemoRun) -> None:
    assert [s["number"] for s in demo.report["steps"]] == [1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 7, 8, 9, 10]
    titles = " / ".join(s["title"] for s in demo.report["steps"])
    assert "onboards John Doe (Tailspin Toys)" in titles
    assert "governance run (admin API) creates the quarterly guest review" in titles


def test_both_guests_onboarded_by_signed_webhooks(demo: DemoRun) -> None:
    john, ada = demo.guest("John Doe"), demo.guest("Ada Lovelace")
    assert (john["onboarding_status"], john["onboarded_into"]) == (201, [FEELGOOD_NAME])
    assert (ada["onboarding_status"], ada["onboarded_into"]) == (201, [FEELGOOD_NAME, RETAIL_NAME])


def test_denied_guest_left_with_no_group_is_disabled(demo: DemoRun) -> None:
    john = demo.guest("John Doe")
    assert john["groups_now"] == []
    assert john["enabled"] is False


def test_approved_guest_keeps_access(demo: DemoRun) -> None:
    ada = demo.guest("Ada Lovelace")
    assert ada["groups_now"] == [FEELGOOD_NAME, RETAIL_NAME]
    assert ada["enabled"] is True


def test_owners_decisions_and_auto_apply(demo: DemoRun) -> None:
    decisions = {(d["group"], d["guest"]): d for d in demo.report["decisions"]}
    assert set(decisions) == {
        (FEELGOOD_NAME, "John Doe"),
        (FEELGOOD_NAME, "Ada Lovelace"),
        (RETAIL_NAME, "Ada Lovelace"),
    }
    john = decisions[(FEELGOOD_NAME, "John Doe")]
    assert (john["reviewer"], john["decision"], john["apply_result"]) == (
        "Megan Bowen",
        "Deny",
        "AppliedSuccessfully",
    )
    assert john["recommendation"] == "Deny"  # never signed in
    ada = decisions[(RETAIL_NAME, "Ada Lovelace")]
    assert (ada["reviewer"], ada["decision"], ada["recommendation"]) == ("Adele Vance", "Approve", "Approve")
    assert {r["status"] for r in demo.report["rounds"]} == {"Applied"}


def test_one_message_per_finished_round_processed(demo: DemoRun) -> None:
    rounds = demo.report["rounds"]
    assert sorted(r["group"] for r in rounds) == [FEELGOOD_NAME, RETAIL_NAME]
    assert (demo.report["cleanup_succeeded"], demo.report["cleanup_failed"]) == (len(rounds), 0)
    summaries = demo.audit(action="round-summary", outcome="done")
    assert sorted(s["instanceId"] for s in summaries) == sorted(r["instance_id"] for r in rounds)


def test_audit_records_the_cleanup_actions(demo: DemoRun) -> None:
    john = demo.guest("John Doe")["user_id"]
    ada = demo.guest("Ada Lovelace")["user_id"]
    disabled = demo.audit(action="disable-account", guestId=john)
    assert [(r["outcome"], r["decision"], r["groupId"]) for r in disabled] == [("disabled", "Deny", FEELGOOD)]
    removed = demo.audit(action="remove-membership", guestId=john)
    assert [r["outcome"] for r in removed] == ["already-removed"]  # the review's auto-apply removed him
    approved = {r["action"] for r in demo.audit(guestId=ada)}  # her onboarding, HR told of it, nothing since
    assert approved == {"onboarding.invite", "onboarding.add-membership", "hr-callback"}
    assert len(demo.audit(guestId=john, action="onboarding.add-sponsor")) == 1  # onboarding is audited too
    saved = [json.loads(line) for line in (demo.log_dir / "audit.jsonl").read_text().splitlines()]
    assert saved == demo.report["audit"]


def test_graph_requests_are_counted(demo: DemoRun) -> None:
    graph = demo.report["graph"]
    assert graph["round_trips"] == sum(s["round_trips"] for s in demo.steps(1, 2, 3, 4, 5))
    assert graph["by_route"]["POST /v1.0/$batch"] >= 2  # onboarding batches its writes
    assert graph["operations_by_route"]["POST /v1.0/invitations"] == 2
    assert graph["operations_by_route"]["PATCH /v1.0/users/{user_id}"] == 1  # John disabled, once
    assert graph["by_route"]["POST /v1.0/identityGovernance/accessReviews/definitions"] == 1


def test_report_reads_at_a_glance(demo: DemoRun) -> None:
    out = demo.stdout
    for heading in (
        "Story",
        "Guests",
        "Review decisions",
        "Actions taken by cleanup",
        "Graph requests",
        "Leavers: a contractor offboarded by HR, an invitation never redeemed",
        "What the app did",
        "HR callbacks: 11 received, 11 with a valid signature",
        "Graph requests of the chapter",
        "Audit:",
    ):
        assert heading in out
    assert re.search(
        r"Mira Patel\s+Northwind Traders\s+contractor; redeemed; offboarded by HR\s+\(none\)\s+deleted\s+0",
        out,
    )
    assert re.search(r"Grace Hopper\s+Litware\s+invited; never redeemed\s+\(none\)\s+deleted\s+1", out)
    mira = demo.leaver("Mira Patel")["user_id"]
    assert re.search(rf"guest\.offboarded\s+Mira Patel\s+{mira}\s+valid\s+20\d\d-", out)
    assert re.search(r"John Doe\s+Tailspin Toys\s+201 into 1 group\(s\)\s+\(none\)\s+DISABLED", out)
    assert re.search(
        rf"Ada Lovelace\s+Fabrikam\s+201 into 2 group\(s\)\s+{FEELGOOD_NAME}, {RETAIL_NAME}\s+enabled", out
    )
    assert (
        f"python -m shared.audit --settings local.settings.json guest {demo.guest('John Doe')['user_id']}"
        in out
    )
    assert "\033[" not in out  # no colour codes when not a terminal


def test_ctrl_c_half_way_stops_every_process(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.demo", "--log-dir", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = read_until(process, process.stderr, "The story:")
    process.send_signal(signal.SIGINT)
    rest = process.communicate(timeout=60)[1]
    pids = [int(p) for p in re.findall(r"\(pid (\d+)\)", seen)]
    assert len(pids) == 3, seen + rest
    assert process.returncode == 130, seen + rest
    assert "every process the demo started was stopped" in rest
    assert [pid for pid in pids if alive(pid)] == []


def test_groups_used_by_the_story_are_the_seeds() -> None:
    seed = json.loads((ROOT / "graph_emulator" / "default_seed.json").read_text())
    names = {g["id"]: g["displayName"] for g in seed["groups"]}
    assert (names[FEELGOOD], names[RETAIL]) == (FEELGOOD_NAME, RETAIL_NAME)


def test_sponsors_as_reviewers_the_report_shows_who_decided(sponsors_demo: DemoRun) -> None:
    """REVIEW_REVIEWERS=sponsors: John's sponsor (Alex Wilber, who owns no group) decides for him; Ada
    has no sponsor, so each group's owner decides (the fallback reviewers). The outcome is the same."""
    report = sponsors_demo.report
    assert report["reviewers"] == "sponsors"
    decided = {(d["group"], d["guest"]): (d["reviewer"], d["decision"]) for d in report["decisions"]}
    assert decided == {
        (FEELGOOD_NAME, "John Doe"): ("Alex Wilber", "Deny"),
        (FEELGOOD_NAME, "Ada Lovelace"): ("Megan Bowen", "Approve"),
        (RETAIL_NAME, "Ada Lovelace"): ("Adele Vance", "Approve"),
    }
    titles = [s["title"] for s in report["steps"]]
    assert "sponsors record their decisions (group owners for a guest without one)" in titles
    john, ada = sponsors_demo.guest("John Doe"), sponsors_demo.guest("Ada Lovelace")
    assert (john["groups_now"], john["enabled"]) == ([], False)
    assert (ada["groups_now"], ada["enabled"]) == ([FEELGOOD_NAME, RETAIL_NAME], True)
    assert "with REVIEW_REVIEWERS=sponsors" in sponsors_demo.stderr
    assert re.search(r"Review decisions \(definition [0-9a-f-]+; reviewers: sponsors", sponsors_demo.stdout)
    assert re.search(
        r"Feelgood Marketing Campaign\s+Alex Wilber\s+John Doe\s+Deny\s+Deny", sponsors_demo.stdout
    )
    assert [pid for pid in report["pids"] if alive(pid)] == []


def test_the_default_story_is_reviewed_by_owners(demo: DemoRun) -> None:
    assert demo.report["reviewers"] == "owners"
    assert "group owners record their decisions" in [s["title"] for s in demo.report["steps"]]
    assert "REVIEW_REVIEWERS" not in demo.stderr


# -- the leavers' chapter ---------------------------------------------------------------------------


def at(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["at"].replace("Z", "+00:00"))


def test_the_app_ran_on_the_emulators_clock_with_callbacks_and_pending_invitations_on(demo: DemoRun) -> None:
    assert (
        "with GRAPH_EMULATOR_CLOCK=true, INVITE_REMIND_AFTER_DAYS=7, INVITE_EXPIRE_AFTER_DAYS=30"
        in demo.stderr
    )
    assert re.search(
        r"  hr        http://127\.0\.0\.1:\d+/hr/guestkeeper  HR's callback receiver", demo.stderr
    )


def test_the_offboarded_contractor_leaves_her_group_is_disabled_then_deleted_after_the_grace_period(
    demo: DemoRun,
) -> None:
    """Her only group was a managed one, so the rule disables her account at once; governance deletes
    it once GUEST_DELETE_GRACE_DAYS (30, the sample's) have passed on the emulator's clock."""
    mira = demo.leaver("Mira Patel")
    assert (mira["onboarding_status"], mira["groups_now"], mira["account"]) == (201, [], "deleted")
    [removed] = demo.audit(guestId=mira["user_id"], action="offboarding.remove-membership")
    assert (removed["outcome"], removed["groupId"]) == ("removed", RETAIL)
    [disabled] = demo.audit(guestId=mira["user_id"], action="offboarding.disable-account")
    [summary] = demo.audit(guestId=mira["user_id"], action="offboarding.guest")
    assert summary["outcome"] == "disabled"
    assert summary["detail"]["deleteAfter"] == (at(disabled) + timedelta(days=30)).isoformat()
    [deleted] = demo.audit(guestId=mira["user_id"], action="guest-delete")
    assert deleted["outcome"] == "deleted"
    assert at(deleted) >= at(disabled) + timedelta(days=30)
    [offboarded] = demo.steps(8)
    assert "200; 1 group(s) removed; account disabled, deleted after" in offboarded["detail"]
    assert "HR: guest.disabled, guest.offboarded (2/2 signatures valid)" in offboarded["detail"]


def test_the_invitation_never_redeemed_is_reminded_exactly_once_then_expires(demo: DemoRun) -> None:
    grace = demo.leaver("Grace Hopper")
    assert (grace["groups_now"], grace["account"], grace["reminders"]) == ([], "deleted", 1)
    reminders = demo.audit(guestId=grace["user_id"], action="invitation-reminder")
    [expiry] = demo.audit(guestId=grace["user_id"], action="invitation-expiry")
    assert [r["outcome"] for r in reminders] == ["sent"]
    assert (expiry["outcome"], expiry["detail"]) == ("deleted", "removed from 1 managed group(s), deleted")
    [onboarded] = demo.audit(guestId=grace["user_id"], action="onboarding.invite")
    assert at(onboarded) + timedelta(days=7) <= at(reminders[0]) < at(onboarded) + timedelta(days=30)
    assert at(expiry) >= at(onboarded) + timedelta(days=30)


def test_hr_receives_every_outcome_exactly_once_signed(demo: DemoRun) -> None:
    callbacks = demo.report["chapter"]["callbacks"]
    assert all(c["verified"] and c["status"] == 204 for c in callbacks)
    assert len({c["webhook_id"] for c in callbacks}) == len(callbacks)  # no delivery twice
    events = Counter((c["event"], c["guest"]) for c in callbacks)
    assert events == Counter(
        {
            ("guest.onboarded", "John Doe"): 1,
            ("guest.onboarded", "Ada Lovelace"): 1,
            ("guest.removed-by-review", "John Doe"): 1,
            ("guest.disabled", "John Doe"): 1,
            ("guest.onboarded", "Mira Patel"): 1,
            ("guest.onboarded", "Grace Hopper"): 1,
            ("guest.offboarded", "Mira Patel"): 1,
            ("guest.disabled", "Mira Patel"): 1,
            ("guest.invitation-expired", "Grace Hopper"): 1,
            ("guest.deleted", "Mira Patel"): 1,
            ("guest.deleted", "John Doe"): 1,  # disabled by the review, deleted after the grace period
        }
    )
    ids = {g["name"]: g["user_id"] for g in [*demo.report["guests"], *demo.report["chapter"]["guests"]]}
    assert all(c["user_id"] == ids[c["guest"]] for c in callbacks)
    assert sorted(set(demo.leaver("Mira Patel")["events"])) == [
        "guest.deleted", "guest.disabled", "guest.offboarded", "guest.onboarded",
    ]  # fmt: skip
    assert sorted(demo.leaver("Grace Hopper")["events"]) == ["guest.invitation-expired", "guest.onboarded"]
    delivered = demo.audit(action="hr-callback", outcome="delivered")
    assert len(delivered) == len(callbacks)


def test_the_chapters_graph_requests_are_counted_per_step(demo: DemoRun) -> None:
    """Onboarding two guests into groups already known, one reminder, one offboarding, then a pass
    that expires one invitation and deletes two disabled guests; reading the report costs none."""
    chapter = demo.steps(6, 7, 8, 9, 10)
    assert [s["round_trips"] for s in chapter] == [2, 2, 4, 4, 8, 0]
    graph = demo.report["chapter"]["graph"]
    assert graph["round_trips"] == sum(s["round_trips"] for s in chapter)
    operations = graph["operations_by_route"]
    assert operations["POST /v1.0/invitations"] == 3  # two onboardings, one reminder
    assert operations["PATCH /v1.0/users/{user_id}"] == 1  # the contractor disabled
    assert operations["DELETE /v1.0/groups/{group_id}/members/{member_id}/$ref"] == 2  # offboarding, expiry
    assert operations["DELETE /v1.0/users/{user_id}"] == 3  # the expired guest, two grace deletions


def test_no_secret_or_key_reaches_the_output_or_the_logs(demo: DemoRun) -> None:
    sample_secret = settings_values(ROOT / "local.settings.sample.json")["WEBHOOK_SECRET"]
    logs = [p.read_text(errors="replace") for p in demo.log_dir.glob("*.log")]
    for text in (demo.stdout, demo.stderr, json.dumps(demo.report), *logs):
        assert "whsec_" not in text
        assert sample_secret.removeprefix("whsec_") not in text
