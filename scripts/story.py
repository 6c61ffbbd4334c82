"""The tutorial's story, told through the app's public entry points only (``run_story``).

It needs a running Functions host (devhost or ``func start``) wired to a Graph emulator and a storage
account (Azurite), and drives them as people and systems would: the HR system's signed webhook,
``POST /admin/functions/governance_run`` (an operator, or the timer), the emulator's control plane
for time and for the group owners' decisions (what they would do in My Access), and the host's own
queue trigger for cleanup. With ``leavers``, a last chapter follows: HR offboards a contractor, an
invitation is never redeemed, days pass on the emulator's clock (the app's too, with
``GRAPH_EMULATOR_CLOCK``), and each outcome reaches HR's receiver as a signed callback. Outcomes are
read from the emulator's state dump (not through Graph, so the request count is the app's alone and
injected faults cannot disturb the reading), from the state table and from what HR received.
``scripts.demo`` starts the processes; the reliability suite can run the same story against
processes of its own (``Endpoints``, ``HostInvocations`` for an in-process devhost).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from azure.data.tables.aio import TableClient

from scripts.hr_receiver import Received
from scripts.send_webhook import FEELGOOD, MEGAN
from scripts.story_driver import (
    Driver,
    Endpoints,
    HostInvocations,
    Invocations,
    Problem,
    StoryFailed,
    iso,
    parse_time,
)
from scripts.story_report import (
    Callback,
    Chapter,
    Decision,
    GraphUsage,
    GuestOutcome,
    LeaverOutcome,
    Round,
    StepRecord,
    StoryReport,
    action_of,
    audited,
)
from shared.state import AuditRecord, StateStore, Table

RETAIL = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"  # "Retail Partners", owned by Adele Vance
ALEX = "3e4d5c6b-7a8f-4b9c-8d1e-2f3a4b5c6d7e"  # Alex Wilber, a member who owns neither group
FINISHED = ("Completed", "Applied")
# Who reviews (the app's REVIEW_REVIEWERS); the story's step 3 says who records the decisions.
REVIEWERS = {
    "owners": "group owners record their decisions",
    "sponsors": "sponsors record their decisions (group owners for a guest without one)",
}


@dataclass(frozen=True)
class Guest:
    """A guest the HR system onboards (the demo's sample people; real requests carry real ones)."""

    name: str
    email: str
    company: str
    groups: tuple[str, ...]
    external_ref: str
    sponsor: str | None = None

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"email": self.email, "displayName": self.name, "groups": list(self.groups)}
        body["externalRef"] = self.external_ref
        return body | ({"sponsor": self.sponsor} if self.sponsor else {})


JOHN = Guest("John Doe", "john@tailspintoys.com", "Tailspin Toys", (FEELGOOD,), "HR-1001", sponsor=MEGAN)
ADA = Guest("Ada Lovelace", "ada@fabrikam.com", "Fabrikam", (FEELGOOD, RETAIL), "HR-1002")
# The last chapter's guests: a contractor whose contract ends, and a guest who never redeems.
MIRA = Guest("Mira Patel", "mira@northwindtraders.com", "Northwind Traders", (RETAIL,), "HR-1003")
GRACE = Guest("Grace Hopper", "grace@litware.com", "Litware", (FEELGOOD,), "HR-1004")
# The app's INVITE_REMIND_AFTER_DAYS and INVITE_EXPIRE_AFTER_DAYS for the chapter (scripts.demo sets them).
REMIND_AFTER_DAYS, EXPIRE_AFTER_DAYS = 7, 30
# What each guest's reviewer decides (the emulator records it as the item's first reviewer: the
# group's first owner, or the guest's sponsor when sponsors review).
DECISIONS = (
    (FEELGOOD, JOHN, "Deny", "Tailspin Toys' part in the campaign has ended."),
    (FEELGOOD, ADA, "Approve", "Fabrikam still runs the campaign's creative work."),
    (RETAIL, ADA, "Approve", "Supplier contact for the spring range."),
)


def cast(reviewers: str) -> tuple[Guest, Guest]:
    """The story's guests. When sponsors review, Alex Wilber asked for John (Feelgood's owner did
    otherwise), so the report shows a sponsor deciding; Ada has no sponsor: the owners decide."""
    return (dataclasses.replace(JOHN, sponsor=ALEX) if reviewers == "sponsors" else JOHN), ADA


async def run_story(
    endpoints: Endpoints,
    *,
    progress: Callable[[StepRecord], None] | None = None,
    reviewers: str = "owners",
    leavers: bool = False,
) -> StoryReport:
    """Tell the whole story; return what happened, or raise ``StoryFailed`` naming the step.

    ``reviewers`` is who the app was configured to ask (``REVIEW_REVIEWERS``): the story sets up its
    guests and tells step 3 accordingly. ``leavers`` adds the last chapter (steps 6-10), whose days
    pass on the emulator's clock: it needs ``endpoints.business_clock`` and ``endpoints.hr``, and an
    app with ``INVITE_REMIND_AFTER_DAYS``/``INVITE_EXPIRE_AFTER_DAYS`` as in this module.
    """
    if reviewers not in REVIEWERS:
        raise ValueError(f"reviewers must be one of {', '.join(REVIEWERS)}")
    if leavers and not (endpoints.business_clock and endpoints.hr is not None):
        raise ValueError("the leavers' chapter needs the app on the emulator's clock and HR's receiver")
    started = time.monotonic()
    table = TableClient.from_connection_string(endpoints.storage_connection, endpoints.state_table)
    async with httpx.AsyncClient(timeout=30) as http:
        story = Driver(endpoints, http, StateStore.over(Table(table)), progress)
        try:
            report = await _tell(story, started, reviewers)
            if leavers:
                report = await _tell_leavers(story, report)
            return dataclasses.replace(report, steps=tuple(story.steps), seconds=time.monotonic() - started)
        finally:
            await story.store.close()


async def _tell(story: Driver, started: float, reviewers: str) -> StoryReport:
    baseline = await story.control("GET", "/requests")
    story.mark = int(baseline["roundTrips"])
    definitions_before = {d["id"] for d in (await story.control("GET", "/accessReviews"))["definitions"]}
    responses = {}
    guests = cast(reviewers)
    for guest in guests:
        async with story.step(1, f"HR webhook onboards {guest.name} ({guest.company})") as details:
            responses[guest.email] = answer = await story.onboard(guest.name, guest.payload())
            await story.redeem(answer["userId"])  # they accept: the review alone decides their access
            details.append(_summary(answer) + "; invitation redeemed")

    async with story.step(2, "governance run (admin API) creates the quarterly guest review") as details:
        await story.run_governance()
        definition = _new_definition(await story.control("GET", "/accessReviews"), definitions_before)
        start = parse_time(definition["body"]["settings"]["recurrence"]["range"]["startDate"] + "T00:00:00Z")
        details.append(f"definition {definition['id'][:8]}..., first round {start:%Y-%m-%d}")

    guest_ids = {g.email: responses[g.email]["userId"] for g in guests}
    rounds = await _open_rounds(story, definition["id"], start, guest_ids[ADA.email])
    await _decide(story, guest_ids, REVIEWERS[reviewers])
    await _end_rounds(story, definition["id"], rounds)

    async with story.step(4, "governance run (admin API) enqueues the finished rounds") as details:
        await story.run_governance()
        details.append(f"{len(rounds)} finished round(s), one message each")
    cleanup = await _await_cleanup(story, rounds)
    graph = GraphUsage.between(baseline, await story.control("GET", "/requests"))
    async with story.step(5, "the report reads the outcome: emulator state, audit table") as details:
        report = await _collect(story, guests, definition, guest_ids, responses, graph, cleanup)
        details.append(f"{len(report.audit)} audit records")
    return dataclasses.replace(
        report, steps=tuple(story.steps), seconds=time.monotonic() - started, reviewers=reviewers
    )


def _summary(answer: dict[str, Any]) -> str:
    """``201 created; groups: 2 added; sponsor added``"""
    counts = Counter(g["status"] for g in answer["groups"])
    text = f"{answer['status']} {'created' if answer['status'] == 201 else 'existing guest'}; groups: "
    text += ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return text + (f"; sponsor {answer['sponsor']['status']}" if answer.get("sponsor") else "")


def _new_definition(dump: dict[str, Any], before: set[str]) -> dict[str, Any]:
    definitions = dump["definitions"]
    new = [d for d in definitions if d["id"] not in before] or definitions
    if len(new) != 1:
        raise Problem(f"expected one guest review definition, found {len(new)}")
    found: dict[str, Any] = new[0]
    return found


async def _open_rounds(
    story: Driver, definition_id: str, start: datetime, active_guest: str
) -> list[dict[str, Any]]:
    async with story.step(3, "clock moves to the quarter's start: the rounds open") as details:
        now = parse_time((await story.control("GET", "/clock"))["now"])
        # Ada signed in recently (the recommendation says Approve); John never did (Deny).
        signed_in = max(now, start - timedelta(days=2))
        await story.control("POST", f"/users/{active_guest}/lastSignIn", {"at": iso(signed_in)})
        if now < start:
            await story.set_clock(start)
        await story.set_clock(max(now, start) + timedelta(days=2))  # the owners review on day 3
        rounds = [i for i in await story.instances(definition_id) if i["status"] == "InProgress"]
        if not rounds:
            raise Problem("no review round is in progress after the clock moved")
        details.append(f"{len(rounds)} round(s) open until {rounds[0]['endDateTime'][:10]}")
        return rounds


async def _decide(story: Driver, guest_ids: dict[str, str], title: str) -> None:
    async with story.step(3, title) as details:
        reviewers: set[str] = set()
        decided: Counter[str] = Counter()
        for group, guest, decision, justification in DECISIONS:
            body = {"groupId": group, "principalId": guest_ids[guest.email]}
            recorded = await story.control("POST", "/accessReviews/decisions", body | {
                "decision": decision, "justification": justification,
            })  # fmt: skip
            reviewers.add(recorded["value"][0]["reviewedBy"]["displayName"])
            decided[decision] += 1
        details.append(
            ", ".join(f"{n} {d}" for d, n in sorted(decided.items())) + f" by {', '.join(sorted(reviewers))}"
        )


async def _end_rounds(story: Driver, definition_id: str, rounds: list[dict[str, Any]]) -> None:
    async with story.step(3, "clock passes the rounds' end: they complete, auto-apply") as details:
        end = max(parse_time(r["endDateTime"]) for r in rounds)
        await story.set_clock(end + timedelta(hours=1))
        wanted = {r["id"] for r in rounds}
        statuses = {i["id"]: i["status"] for i in await story.instances(definition_id) if i["id"] in wanted}
        if any(s not in FINISHED for s in statuses.values()):
            raise Problem(f"rounds did not finish: {sorted(statuses.values())}")
        details.append(f"{len(statuses)} round(s) {', '.join(sorted(set(statuses.values())))}")


async def _await_cleanup(story: Driver, rounds: list[dict[str, Any]]) -> tuple[int, int]:
    """Wait for the queue function's checkpoint of every round; (succeeded, failed) invocations."""
    async with story.step(4, "the queue function cleans up each finished round") as details:

        async def all_done() -> tuple[int, int] | None:
            for instance in rounds:
                if not await story.store.reviews.instance_done(instance["id"]):
                    return None
            runs = story.finished("clean_up_review_round")
            succeeded = sum(runs)
            return (succeeded, len(runs) - succeeded) if succeeded >= len(rounds) else None

        try:
            outcome = await story.poll("cleanup of every finished round (state table checkpoints)", all_done)
        except Problem as exc:
            failed = story.finished("clean_up_review_round").count(False)
            raise Problem(
                f"{exc}; {failed} failed deliveries (see the host's log)" if failed else str(exc)
            ) from exc
        details.append(
            f"{outcome[0]} message(s) processed" + (f", {outcome[1]} failed deliveries" if outcome[1] else "")
        )
        return outcome


async def _collect(
    story: Driver,
    cast: tuple[Guest, ...],
    definition: dict[str, Any],
    guest_ids: dict[str, str],
    responses: dict[str, dict[str, Any]],
    graph: GraphUsage,
    cleanup: tuple[int, int],
) -> StoryReport:
    """Guests, groups, rounds, decisions from the emulator's state; the audit from the state table."""
    state = await story.control("GET", "/state")
    users = {u["id"]: u for u in state["users"]}
    groups = {g["id"]: g for g in state["groups"]}
    guests = []
    for guest in cast:
        uid = guest_ids[guest.email]
        member_of = [g["display_name"] for g in groups.values() if uid in g["members"]]
        guests.append(
            GuestOutcome(
                name=guest.name, email=guest.email, company=guest.company, user_id=uid,
                onboarding_status=responses[guest.email]["status"],
                onboarded_into=tuple(groups[g]["display_name"] for g in guest.groups),
                groups_now=tuple(sorted(member_of)),
                enabled=bool(users[uid]["account_enabled"]),
            )
        )  # fmt: skip
    instances = [i for i in state["accessReviews"]["instances"] if i["definition_id"] == definition["id"]]
    rounds = [Round(i["id"], groups[i["group_id"]]["display_name"], i["status"]) for i in instances]
    decisions = [
        Decision(
            group=groups[i["group_id"]]["display_name"],
            reviewer=(d["reviewed_by"] or {}).get("displayName", ""),
            guest=d["principal_name"] or d["principal_id"],
            recommendation=d["recommendation"],
            decision=d["decision"],
            apply_result=d["apply_result"],
        )
        for i in instances
        for d in i["decisions"].values()
    ]
    names = {uid: users[uid]["display_name"] for uid in guest_ids.values()}
    round_ids = {r.instance_id for r in rounds}
    audit = await _audit(story, round_ids, set(guest_ids.values()))
    group_names = {g: groups[g]["display_name"] for g in groups}
    actions = [action_of(r, names, group_names) for r in audit if r.instance_id in round_ids]  # cleanup's
    return StoryReport(
        steps=tuple(story.steps),
        definition_id=definition["id"],
        guests=tuple(guests),
        rounds=tuple(rounds),
        decisions=tuple(decisions),
        actions=tuple(actions),
        audit=tuple(audit),
        graph=graph,
        cleanup_succeeded=cleanup[0],
        cleanup_failed=cleanup[1],
        state_table=story.endpoints.state_table,
        seconds=0.0,  # set by the caller, with the steps, once this step is recorded
    )


async def _audit(story: Driver, instances: set[str], guests: set[str]) -> list[AuditRecord]:
    records = await story.store.audit.list_audit()
    return [r for r in records if r.instance_id in instances or r.guest_id in guests]


# -- the last chapter: leavers ---------------------------------------------------------------------

REMINDER = "invitation-reminder"  # the audit action of a reminder (shared.governance.invitations)
OFFBOARDED, DISABLED, DELETED, EXPIRED = (
    "guest.offboarded", "guest.disabled", "guest.deleted", "guest.invitation-expired",
)  # fmt: skip  # the HR callbacks the chapter waits for (shared.outcomes.OutcomeKind)
HR_STORIES = {MIRA.email: "contractor; redeemed; offboarded by HR", GRACE.email: "invited; never redeemed"}


async def _tell_leavers(story: Driver, review: StoryReport) -> StoryReport:
    """Steps 6-10: HR onboards a contractor who redeems and a guest who never does; days pass on the
    emulator's clock (the app's too); the pending invitation is reminded once, HR offboards the
    contractor, then the invitation expires and the grace period of every disabled guest ends. Each
    outcome reaches HR as a signed callback, which its receiver verifies."""
    baseline = await story.control("GET", "/requests")
    before = {r.key for r in await story.store.audit.list_audit()}
    answers: dict[str, dict[str, Any]] = {}
    for guest, redeems in ((MIRA, True), (GRACE, False)):
        who = f"contractor {guest.name}" if redeems else guest.name
        async with story.step(6, f"HR webhook onboards {who} ({guest.company})") as details:
            answers[guest.email] = answer = await story.onboard(guest.name, guest.payload())
            if redeems:
                await story.redeem(answer["userId"])
            details.append(_summary(answer) + ("; invitation redeemed" if redeems else "; never redeemed"))
    mira, grace = answers[MIRA.email]["userId"], answers[GRACE.email]["userId"]
    invited = await story.now()

    days = REMIND_AFTER_DAYS + 1
    async with story.step(7, f"clock +{days} days: governance run reminds the pending invitation") as details:
        await story.set_clock(invited + timedelta(days=days))
        await story.run_governance()
        details.append(f"{await _reminders(story, grace)} reminder to {GRACE.name}")

    async with story.step(8, f"HR webhook offboards {MIRA.name}: her contract ended") as details:
        body = {"email": MIRA.email, "externalRef": MIRA.external_ref, "reason": "Contract ended"}
        left = await story.offboard(MIRA.name, body)
        removed = sum(1 for g in left["groups"] if g["status"] == "removed")
        delete_after = parse_time(left["deleteAfter"]) if left.get("deleteAfter") else None
        heard = await story.hr_callbacks(
            {(OFFBOARDED, mira)} | ({(DISABLED, mira)} if left["account"] == "disabled" else set())
        )
        until = f", deleted after {delete_after:%Y-%m-%d}" if delete_after else ""
        details.append(f"{left['status']}; {removed} group(s) removed; account {left['account']}{until}")
        details.append(_heard(heard))

    # every guest disabled so far (the review's, the contractor) is deleted once its grace period ends
    disabled = {g.user_id for g in review.guests if not g.enabled} | ({mira} if delete_after else set())
    end = max(invited + timedelta(days=EXPIRE_AFTER_DAYS), delete_after or invited) + timedelta(days=1)
    title = f"clock +{(end - invited).days} days: governance run expires the invitation, ends grace periods"
    async with story.step(9, title) as details:
        await story.set_clock(end)
        await story.run_governance()
        heard = await story.hr_callbacks({(EXPIRED, grace)} | {(DELETED, uid) for uid in disabled})
        details.append(_heard(heard))

    graph = GraphUsage.between(baseline, await story.control("GET", "/requests"))
    async with story.step(
        10, "the report reads the chapter: emulator state, audit, HR's callbacks"
    ) as details:
        received = await story.hr_settled()
        leavers = [(g, answers[g.email]) for g in (MIRA, GRACE)]
        names = {g.user_id: g.name for g in review.guests} | {a["userId"]: g.name for g, a in leavers}
        chapter, audit = await _collect_leavers(story, leavers, names, before, received, graph)
        valid = sum(1 for c in chapter.callbacks if c.verified)
        details.append(f"{len(chapter.callbacks)} HR callbacks, {valid} with a valid signature")
    rounds = {r.instance_id for r in review.rounds}
    mine = [r for r in audit if r.instance_id in rounds or r.guest_id in names]
    return dataclasses.replace(review, chapter=chapter, audit=tuple(mine))


async def _reminders(story: Driver, guest_id: str) -> int:
    records = await story.store.audit.list_audit(guest_id=guest_id)
    return sum(1 for r in records if (r.action, r.outcome) == (REMINDER, "sent"))


def _heard(callbacks: list[Received]) -> str:
    """``HR: guest.disabled, guest.offboarded (2/2 signatures valid)``"""
    events = ", ".join(sorted(str(r.payload.get("type")) for r in callbacks))
    valid = sum(1 for r in callbacks if r.verified)
    return f"HR: {events} ({valid}/{len(callbacks)} signatures valid)"


async def _collect_leavers(
    story: Driver,
    leavers: list[tuple[Guest, dict[str, Any]]],
    names: dict[str, str],
    before: set[str | None],
    received: list[Received],
    graph: GraphUsage,
) -> tuple[Chapter, list[AuditRecord]]:
    """The chapter's guests from the emulator's state, what the app did since the chapter began from
    the audit table (every record, returned too), and every callback HR received."""
    state = await story.control("GET", "/state")
    users = {u["id"]: u for u in state["users"]}
    groups = [g for g in state["groups"] if g.get("deleted") is None]
    callbacks = tuple(Callback.of(r, names) for r in received)
    guests = []
    for guest, answer in leavers:
        uid, user = answer["userId"], users[answer["userId"]]
        account = "deleted" if user.get("deleted") else "enabled" if user["account_enabled"] else "disabled"
        guests.append(
            LeaverOutcome(
                name=guest.name, company=guest.company, user_id=uid, hr_story=HR_STORIES[guest.email],
                onboarding_status=answer["status"],
                groups_now=tuple(sorted(g["display_name"] for g in groups if uid in g["members"])),
                account=account, reminders=await _reminders(story, uid),
                events=tuple(c.event for c in callbacks if c.user_id == uid),
            )
        )  # fmt: skip
    audit = await story.store.audit.list_audit()
    actions = tuple(audited(r, names) for r in audit if r.key not in before and r.action != "hr-callback")
    return Chapter(tuple(guests), actions, callbacks, graph), audit


__all__ = [
    "ADA",
    "DECISIONS",
    "EXPIRE_AFTER_DAYS",
    "GRACE",
    "JOHN",
    "MIRA",
    "REMIND_AFTER_DAYS",
    "REVIEWERS",
    "Endpoints",
    "HostInvocations",
    "Invocations",
    "StoryFailed",
    "StoryReport",
    "run_story",
]
