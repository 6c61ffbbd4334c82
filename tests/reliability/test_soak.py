"""Soak: a few hundred onboarding webhooks, duplicated and concurrent, while Graph throttles, fails
and lags; the directory ends with exactly one guest per address and exactly its memberships.

Through the real HTTP handlers (``build().get_user_function()``, signed ``func.HttpRequest``), the
in-process emulator and Azurite. Injected: 429 and 503 on a share of Graph operations (``Retry-After:
1``), replication delay (a new guest is invisible for a while), Graph's invitation limit. The app's
retry policy is cut to two tries per item so that some failures reach the sender, whose retries
(same webhook id, after ``Retry-After``) must complete the work. Figures go to the run summary.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from graph_emulator import FaultConfig, FaultRule, TenantState
from shared.graph.batch import RetryPolicy
from shared.onboarding.gateway import DirectoryGateway
from shared.state import address_hash
from shared.worker import Worker
from tests.reliability import figures
from tests.reliability.pii import Sensitive
from tests.reliability.sender import Delivery, Post, deliver
from tests.shared.conftest import MEGAN, UNIFIED

GUESTS = 150
BULK_SIZE = 10
BULK_DELIVERIES = 8  # guests 0..79 also arrive in a bulk sync, overlapping their single deliveries
REPLAYS = 10  # same webhook id again after a 2xx (a sender that lost the answer)
CONCURRENCY = 32  # deliveries in flight at once
SEED = 8
SOAK_POLICY = RetryPolicy(
    max_attempts=2,  # production tries 4 times; 2 lets some failures reach the sender
    not_found_delays=(0.1, 0.2, 0.4, 0.8, 1.6),
    default_retry_after=1.0,
    deadline=10.0,
)
FAULTS = FaultConfig(
    rules=[FaultRule(status=429, rate=0.08, retry_after=1), FaultRule(status=503, rate=0.04, retry_after=1)],
    replication_delay_s=0.3,
    invitation_throttling=True,
    seed=SEED,
)


@dataclass
class Guest:
    n: int
    email: str
    name: str
    groups: list[str]
    sponsor: str | None
    onboarded: asyncio.Event = field(default_factory=asyncio.Event)
    primary: Delivery | None = None

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"email": self.email, "displayName": self.name, "groups": self.groups}
        if self.sponsor:
            body["sponsor"] = self.sponsor
        return body | {"externalRef": f"HR-{self.n:04d}"}


@dataclass
class Tally:
    webhooks: int = 0
    attempts: int = 0
    first_try: int = 0
    after_retries: int = 0
    sender_waits: float = 0.0
    bulk_resends: int = 0
    replays_refused: int = 0
    failures: list[str] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)  # address -> 201 answers
    retried_on: Counter[str] = field(default_factory=Counter)  # retryable answers by status and type

    def count(self, delivery: Delivery) -> None:
        self.webhooks += 1
        self.attempts += len(delivery.statuses)
        self.sender_waits += delivery.waited
        self.retried_on.update(delivery.retried_on)
        if delivery.final < 300:
            self.first_try += delivery.retries == 0
            self.after_retries += delivery.retries > 0


def make_guests() -> list[Guest]:
    rng = random.Random(SEED)
    return [
        Guest(
            n,
            f"soak.guest{n:03d}@fabrikam.com",
            f"Quillon Vantaberg {n:03d}",
            rng.sample(UNIFIED, rng.randint(1, 3)),
            MEGAN if n % 4 == 0 else None,
        )
        for n in range(GUESTS)
    ]


def plan(post: Post, guests: list[Guest], tally: Tally) -> list[Callable[[], Awaitable[None]]]:
    """The deliveries in start order: each guest once, some twice at once, bulk syncs, late copies."""

    async def single(guest: Guest, *, primary: bool = False) -> None:
        delivery = await deliver(post, guest.payload())
        tally.count(delivery)
        _check_single(guest, delivery, tally)
        if primary:
            guest.primary = delivery
            guest.onboarded.set()

    async def bulk(members: list[Guest]) -> None:
        pending = members
        for _ in range(4):  # the sync sends the entries that failed with 5xx again
            delivery = await deliver(post, {"guests": [g.payload() for g in pending]}, bulk=True)
            tally.count(delivery)
            if delivery.final != 207:
                tally.failures.append(f"bulk answered {delivery.statuses}")
                return
            assert delivery.reply is not None
            again = []
            for guest, entry in zip(pending, delivery.reply.json["results"], strict=True):
                if entry["status"] >= 500:
                    again.append(guest)
                elif entry["status"] == 201:
                    tally.created[guest.email] += 1
                elif entry["status"] != 200:
                    tally.failures.append(f"bulk entry {guest.n} answered {entry['status']}")
            if not again:
                return
            tally.bulk_resends += len(again)
            problems = [e.get("problem", {}) for e in delivery.reply.json["results"]]
            await asyncio.sleep(max(p.get("retryAfter", 1) for p in problems))
            pending = again
        tally.failures.append(f"bulk entries {[g.n for g in pending]} still failing")

    async def replay(guest: Guest) -> None:
        await guest.onboarded.wait()
        assert guest.primary is not None
        delivery = await deliver(post, guest.payload(), webhook_id=guest.primary.webhook_id)
        tally.count(delivery)
        if (delivery.final, delivery.reply and delivery.reply.problem_type) == (409, "webhook-replayed"):
            tally.replays_refused += 1
        else:
            tally.failures.append(f"replay of guest {guest.n} answered {delivery.statuses}")

    rng = random.Random(SEED + 1)
    order = list(guests)
    rng.shuffle(order)
    jobs: list[Callable[[], Awaitable[None]]] = []
    bulks = [guests[i : i + BULK_SIZE] for i in range(0, BULK_SIZE * BULK_DELIVERIES, BULK_SIZE)]
    for position, guest in enumerate(order):
        jobs.append(partial(single, guest, primary=True))
        if guest.n % 2 == 0:  # a concurrent duplicate: another id, the same guest, started together
            jobs.append(partial(single, guest))
        if position % 20 == 10 and bulks:
            jobs.append(partial(bulk, bulks.pop()))
    jobs += [partial(single, g) for g in guests if g.n % 4 == 1]  # late duplicates
    jobs += [partial(replay, g) for g in guests[-REPLAYS:]]
    return jobs


def _check_single(guest: Guest, delivery: Delivery, tally: Tally) -> None:
    if delivery.final == 201:
        tally.created[guest.email] += 1
    elif delivery.final != 200:
        tally.failures.append(f"guest {guest.n} answered {delivery.statuses}")


async def run_all(jobs: list[Callable[[], Awaitable[None]]]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


def directory_guests(state: TenantState) -> dict[str, list[str]]:
    """Address -> ids of live guest users with that mail."""
    found: dict[str, list[str]] = {}
    for user in state.directory.live_users():
        if user.user_type == "Guest" and user.mail:
            found.setdefault(user.mail.lower(), []).append(user.id)
    return found


def groups_of(state: TenantState, user_id: str) -> set[str]:
    return {g.id for g in state.directory.live_groups() if user_id in g.members}


async def test_soak_ends_with_one_guest_per_address_and_exactly_its_memberships(
    post: Post, worker: Worker, emulator_state: TenantState, sensitive: Sensitive
) -> None:
    worker.gateway = DirectoryGateway(policy=SOAK_POLICY)
    emulator_state.faults.configure(FaultConfig.from_json(FAULTS.to_json()))
    guests = make_guests()
    for guest in guests:
        sensitive.add(guest.email, guest.name)
    tally = Tally()
    users_before = len(emulator_state.directory.users)

    started = time.monotonic()
    await run_all(plan(post, guests, tally))
    wall = time.monotonic() - started

    log = emulator_state.requests.entries
    statuses = Counter(e.status for e in log if e.inner)
    replication_misses = sum(1 for e in log if e.status == 404 and e.path.endswith("/$ref"))
    member_writes = sum(
        1 for e in log if e.method == "POST" and e.path.endswith("/members/$ref") and e.status == 204
    )
    figures.record(
        "soak",
        guests=GUESTS,
        webhooks=tally.webhooks,
        attempts=tally.attempts,
        first_try_successes=tally.first_try,
        retried_successes=tally.after_retries,
        bulk_entries_resent=tally.bulk_resends,
        replays_refused_409=tally.replays_refused,
        retried_on=dict(sorted(tally.retried_on.items())),
        final_failures=len(tally.failures),
        graph_operations=sum(statuses.values()),
        injected_429=statuses[429],
        injected_503=statuses[503],
        replication_404s=replication_misses,
        sender_wait_s=round(tally.sender_waits, 1),
        wall_s=round(wall, 1),
    )

    assert tally.failures == []
    assert tally.webhooks >= 280
    assert statuses[429] > 0  # the faults happened...
    assert statuses[503] > 0
    assert replication_misses > 0
    assert tally.after_retries > 0  # and some reached the sender, whose retry completed the work
    assert tally.replays_refused == REPLAYS
    by_address = directory_guests(emulator_state)
    assert len(emulator_state.directory.users) == users_before + GUESTS
    for guest in guests:
        assert len(by_address.get(guest.email, [])) == 1, guest.n  # exactly one guest per address
        [user_id] = by_address[guest.email]
        assert groups_of(emulator_state, user_id) == set(guest.groups), guest.n
        assert emulator_state.directory.users[user_id].sponsors == ([MEGAN] if guest.sponsor else [])
        assert tally.created[guest.email] == 1, guest.n  # exactly one 201, every other answer 200
        record = await worker.store.onboarding.get_onboarding(address_hash(guest.email))
        assert record is not None
        assert record.guest_id == user_id
    assert member_writes == sum(len(g.groups) for g in guests)  # each membership written once
