"""The endurance run: onboarding webhooks over HTTP to a running host while review rounds finish.

Three waves of guests go to the host's ``POST /api/guests`` (and ``/batch``) through the HR sender
of ``traffic.py``, with Graph faults injected through the emulator's ``PUT /_emulator/faults``.
While the second and the third wave are in flight, one review cycle runs each time as it does in
production: the governance run (admin endpoint) keeps the quarterly review, the emulator's clock
opens the round, the group owners decide on the previous wave's guests (through the emulator, as
they would in My Access), the clock ends the round (auto-apply), the governance run enqueues it and
the host's queue trigger cleans it up. Then, with nothing else running, requests the app must refuse
(replays, denied guests within the cool-down, bad signatures) show in the request log that they
wrote nothing. ``read_outcome`` compares the emulator's directory with what was asked for.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
from azure.data.tables.aio import TableClient

from scripts.story_driver import Driver, Endpoints, Problem, parse_time
from shared.state import StateStore, Table
from tests.reliability.sender import Delivery, deliver
from tests.reliability.traffic import Guest, Mix, Tally, make_guests, plan, run_all
from tests.shared.conftest import MEGAN, Reply, signed_headers

WAVES = 3  # the first alone, the second and third each alongside a review cycle
OTHER_SECRET = "whsec_QW5vdGhlciBzZWNyZXQgb2YgMzIgYnl0ZXMgbG9uZyEh"
JUSTIFICATION = "Reviewed by the group owner during the endurance run."


@dataclass(frozen=True)
class Size:
    guests_per_wave: int
    mix: Mix
    deny_share: float  # of the reviewed guests' memberships, per cycle
    approve_share: float
    refused_per_kind: int  # quiet phase: replays, denied guests sent again
    wait_seconds: float  # bound of each wait for the host (a governance run, a cycle's cleanup)
    faults: Mapping[str, Any]  # PUT /_emulator/faults

    @property
    def guests(self) -> int:
        return WAVES * self.guests_per_wave


@dataclass
class Cycle:
    number: int
    rounds: int
    denied: int
    approved: int
    seconds: float
    webhooks_in_flight: int  # when its cleanup had finished: the cycle ran alongside the traffic


@dataclass
class HttpSender:
    """``sender.Post`` over HTTP to the host's onboarding routes, timing each single POST."""

    http: httpx.AsyncClient
    endpoints: Endpoints
    latencies: list[float] = field(default_factory=list)
    in_flight: int = 0

    async def __call__(
        self, payload: Any, *, raw: bytes, headers: Mapping[str, str], bulk: bool = False
    ) -> Reply:
        url = f"{self.endpoints.app_url}/{self.endpoints.route_prefix}/guests{'/batch' if bulk else ''}"
        sent = dict(headers) | {"x-functions-key": self.endpoints.function_key or ""}
        self.in_flight += 1
        started = time.perf_counter()
        try:
            response = await self.http.post(url, content=raw, headers=sent)
        finally:
            self.in_flight -= 1
        if not bulk:
            self.latencies.append(time.perf_counter() - started)
        mimetype = response.headers.get("content-type", "").split(";")[0].strip()
        return Reply(response.status_code, response.headers, mimetype, response.content)


@dataclass
class Review:
    """The review cycles: governance runs, the clock, the owners' decisions, the cleanup wait."""

    driver: Driver
    sender: HttpSender
    size: Size
    rng: random.Random
    denied: dict[str, set[str]] = field(default_factory=dict)  # address -> groups denied
    cycles: list[Cycle] = field(default_factory=list)
    governance_failures: int = 0
    definition: dict[str, Any] | None = None

    async def cycle(self, number: int, reviewed: Sequence[Guest]) -> None:
        began = time.monotonic()
        if self.definition is None:
            await self.governance()  # creates the quarterly guest review
            definitions = (await self.driver.control("GET", "/accessReviews"))["definitions"]
            if len(definitions) != 1:
                raise Problem(f"expected one review definition, found {len(definitions)}")
            self.definition = definitions[0]
        recurrence = self.definition["body"]["settings"]["recurrence"]
        first = parse_time(recurrence["range"]["startDate"] + "T00:00:00Z")
        start = months_later(first, (number - 1) * int(recurrence["pattern"]["interval"]))
        await self.driver.set_clock(start + timedelta(days=2))  # the rounds open; owners review on day 3
        rounds = [
            i for i in await self.driver.instances(self.definition["id"]) if i["status"] == "InProgress"
        ]
        if not rounds:
            raise Problem(f"cycle {number}: no review round in progress after the clock moved")
        groups = (await self.driver.control("GET", "/state"))["groups"]
        denied, approved = await self.decide(reviewed, {g["id"]: bool(g["owners"]) for g in groups})
        await self.driver.set_clock(max(parse_time(r["endDateTime"]) for r in rounds) + timedelta(hours=1))
        await self.governance()  # enqueues the finished rounds
        await self.driver.poll(f"cleanup of cycle {number}'s rounds", partial(self.cleaned_up, rounds))
        seconds = time.monotonic() - began
        self.cycles.append(Cycle(number, len(rounds), denied, approved, seconds, self.sender.in_flight))

    async def decide(self, reviewed: Sequence[Guest], owned: Mapping[str, bool]) -> tuple[int, int]:
        """Reviewers deny and approve a share of the reviewed guests' memberships; the rest stay unreviewed.

        The reviewer is the group's owner; a group without one is a self-review (no fallback reviewers).
        """
        memberships = [
            (guest, group)
            for guest in reviewed
            if guest.user_id is not None
            for group in guest.groups
            if group not in self.denied.get(guest.email, set())
        ]
        denials = max(1, round(self.size.deny_share * len(memberships)))
        approvals = round(self.size.approve_share * len(memberships))
        picked = self.rng.sample(memberships, min(len(memberships), denials + approvals))
        for position, (guest, group) in enumerate(picked):
            decision = "Deny" if position < denials else "Approve"
            body = {"groupId": group, "principalId": guest.user_id}
            if not owned[group]:
                body["reviewerId"] = guest.user_id
            recorded = await self.driver.control(
                "POST",
                "/accessReviews/decisions",
                body | {"decision": decision, "justification": JUSTIFICATION},
            )
            if not recorded["value"]:
                raise Problem(f"guest {guest.n} is under no open review of group {group}")
            if decision == "Deny":
                self.denied.setdefault(guest.email, set()).add(group)
        return min(denials, len(picked)), max(0, len(picked) - denials)

    async def cleaned_up(self, rounds: Sequence[Mapping[str, Any]]) -> bool | None:
        for instance in rounds:
            if not await self.driver.store.reviews.instance_done(instance["id"]):
                return None
        return True

    async def governance(self, tries: int = 3) -> None:
        """The admin endpoint's run; a failed run (Graph faults) is run again, as the next timer would."""
        for attempt in range(1, tries + 1):
            try:
                await self.driver.run_governance()
                return
            except Problem:
                if attempt == tries:
                    raise
                self.governance_failures += 1


@dataclass
class Run:
    guests: list[Guest]
    tally: Tally
    latencies: list[float]  # single webhooks while the traffic ran (the quiet phase excluded)
    review: Review
    refused: Counter[str]  # quiet phase answers: "409 webhook-replayed", ...
    refused_writes: int  # Graph writes in the quiet phase, where every request was refused
    seconds: float


async def run(endpoints: Endpoints, size: Size) -> Run:
    """The whole run against a host that is up; the emulator's clock and faults are this run's."""
    began = time.monotonic()
    table = TableClient.from_connection_string(endpoints.storage_connection, endpoints.state_table)
    limits = httpx.Limits(max_connections=size.mix.concurrency + 8)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        driver = Driver(endpoints, http, StateStore.over(Table(table)))
        try:
            await driver.control("PUT", "/faults", dict(size.faults))
            sender = HttpSender(http, endpoints)
            guests = make_guests(range(size.guests), size.mix.seed)
            per = size.guests_per_wave
            waves = [guests[i * per : (i + 1) * per] for i in range(WAVES)]
            tally = Tally()
            review = Review(driver, sender, size, random.Random(size.mix.seed + 2))

            def traffic(wave: list[Guest]) -> Any:
                jobs = plan(sender, wave, tally, size.mix, secret=endpoints.webhook_secret)
                return run_all(jobs, size.mix.concurrency)

            await traffic(waves[0])
            for number, wave in enumerate(waves[1:], start=1):
                await asyncio.gather(traffic(wave), review.cycle(number, waves[number - 1]))
            latencies = list(sender.latencies)
            refused, writes = await refuse(driver, sender, guests, review.denied, size, tally)
        finally:
            await driver.store.close()
    return Run(guests, tally, latencies, review, refused, writes, time.monotonic() - began)


async def refuse(
    driver: Driver,
    sender: HttpSender,
    guests: Sequence[Guest],
    denied: Mapping[str, set[str]],
    size: Size,
    tally: Tally,
) -> tuple[Counter[str], int]:
    """Requests the app must refuse, one at a time with nothing else running; the writes they caused."""
    before = (await driver.control("GET", "/requests"))["writes"]
    answers: Counter[str] = Counter()
    secret = driver.endpoints.webhook_secret

    def count(delivery: Delivery) -> None:
        tally.count(delivery)
        answers[answer(delivery.reply)] += 1

    delivered = [g for g in guests if g.primary is not None and g.email not in denied]
    for guest in delivered[-size.refused_per_kind :]:  # the same webhook id again after its 2xx
        assert guest.primary is not None
        count(await deliver(sender, guest.payload(), webhook_id=guest.primary.webhook_id, secret=secret))
    for guest in [g for g in guests if g.email in denied][: size.refused_per_kind]:  # within the cool-down
        count(await deliver(sender, guest.payload(), secret=secret))
    body = json.dumps(delivered[0].payload()).encode()
    stale = signed_headers(body, at=datetime.now(UTC) - timedelta(minutes=6), secret=secret)
    for headers in (stale, signed_headers(body, secret=OTHER_SECRET)):  # not the HR system's
        answers[answer(await sender(None, raw=body, headers=headers))] += 1
    after = (await driver.control("GET", "/requests"))["writes"]
    return answers, after - before


def answer(reply: Reply | None) -> str:
    """``409 webhook-replayed``: the status and, for a problem document, its type."""
    assert reply is not None
    return (
        f"{reply.status} {reply.problem_type}"
        if reply.mimetype.endswith("problem+json")
        else str(reply.status)
    )


def months_later(day: datetime, months: int) -> datetime:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)


@dataclass
class Outcome:
    """The emulator's directory against what the traffic and the reviewers asked for."""

    duplicate_guests: int = 0  # addresses with more than one live guest
    missing_guests: int = 0
    missing_memberships: int = 0  # requested, not denied, not held
    extra_memberships: int = 0  # held but not requested, or held after a Deny
    wrong_accounts: int = 0  # enabled or disabled against the review's outcome
    wrong_sponsors: int = 0
    created_not_once: int = 0  # addresses that were not answered 201 exactly once
    disabled: int = 0
    requests: int = 0  # Graph requests and $batch items
    faults: Counter[str] = field(default_factory=Counter)  # "429", "503", "404 replication"
    invocations: Counter[str] = field(default_factory=Counter)  # "clean_up_review_round failed", ...

    @property
    def lost(self) -> int:
        return self.missing_guests + self.missing_memberships


async def read_outcome(endpoints: Endpoints, result: Run) -> Outcome:
    async with httpx.AsyncClient(base_url=f"{endpoints.emulator_url}/_emulator", timeout=60) as control:
        state = (await control.get("/state")).json()
        log = (await control.get("/requests")).json()["entries"]
    outcome = Outcome()
    by_address: dict[str, list[dict[str, Any]]] = {}
    for user in state["users"]:
        if user["user_type"] == "Guest" and user["mail"] and not user["deleted"]:
            by_address.setdefault(user["mail"].lower(), []).append(user)
    members = {g["id"]: set(g["members"]) for g in state["groups"] if not g["deleted"]}
    denied = result.review.denied
    for guest in result.guests:
        found = by_address.get(guest.email, [])
        outcome.duplicate_guests += len(found) > 1
        outcome.missing_guests += not found
        outcome.created_not_once += result.tally.created[guest.email] != 1
        if not found:
            continue
        user = found[0]
        held = {group for group, ids in members.items() if user["id"] in ids}
        expected = set(guest.groups) - denied.get(guest.email, set())
        outcome.missing_memberships += len(expected - held)
        outcome.extra_memberships += len(held - expected)
        enabled = bool(expected) or guest.email not in denied  # denied and left in no group: disabled
        outcome.wrong_accounts += user["account_enabled"] is not enabled
        outcome.disabled += not user["account_enabled"]
        outcome.wrong_sponsors += user["sponsors"] != ([MEGAN] if guest.sponsor else [])
    outcome.requests = len(log)
    for entry in log:
        if entry["status"] in (429, 503):
            outcome.faults[str(entry["status"])] += 1
        elif entry["status"] == 404 and entry["method"] != "DELETE":  # a DELETE's 404: already removed
            outcome.faults["404 replication"] += 1
    for function, succeeded in endpoints.invocations.finished():
        outcome.invocations[f"{function} {'succeeded' if succeeded else 'failed'}"] += 1
    return outcome


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0.5, 0.99) of ``values``, inclusive of both ends."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]
