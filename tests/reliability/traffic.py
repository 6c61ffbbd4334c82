"""An HR system's onboarding traffic: guests, the deliveries planned for them, and what came back.

Shared by the short soak (``test_soak.py``, in process) and the endurance run (``test_endurance.py``,
over devhost): a ``Mix`` says how many duplicates of which kind, ``plan`` turns guests into delivery
jobs in start order, ``run_all`` runs them with a bound on deliveries in flight, and the ``Tally``
counts every answer. A guest's address and name are personal data: register them with the log scan.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from tests.reliability.sender import Delivery, Post, deliver
from tests.shared.conftest import MEGAN, SECRET, UNIFIED

Job = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Mix:
    """How the deliveries are made up: every guest once, plus duplicates of four kinds."""

    concurrent_every: int = 2  # every n-th guest also sent at the same moment under another id
    late_every: int = 4  # every n-th guest (n % late_every == 1) again after the rest, under another id
    bulk_size: int = 10
    bulk_deliveries: int = 8  # the first bulk_size x bulk_deliveries guests also arrive in bulk syncs
    bulk_spacing: int = 20  # a bulk sync starts with every n-th guest's first delivery
    replays: int = 10  # the last guests' first delivery sent again with its id after the 2xx
    concurrency: int = 32  # deliveries in flight at once
    seed: int = 8


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

    @property
    def user_id(self) -> str | None:
        """The guest's object id, as its first delivery's 2xx answer gave it."""
        reply = self.primary.reply if self.primary else None
        return str(reply.json["userId"]) if reply is not None and reply.status < 300 else None


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
    statuses: Counter[int] = field(default_factory=Counter)  # every attempt's status
    finals: Counter[int] = field(default_factory=Counter)  # each delivery's last status
    delivery_seconds: list[float] = field(default_factory=list)  # single deliveries, retries included

    def count(self, delivery: Delivery, *, bulk: bool = False) -> None:
        self.webhooks += 1
        self.attempts += len(delivery.statuses)
        self.sender_waits += delivery.waited
        self.retried_on.update(delivery.retried_on)
        self.statuses.update(delivery.statuses)
        self.finals[delivery.final] += 1
        if not bulk:
            self.delivery_seconds.append(delivery.seconds)
        if delivery.final < 300:
            self.first_try += delivery.retries == 0
            self.after_retries += delivery.retries > 0


def make_guests(numbers: Sequence[int], seed: int) -> list[Guest]:
    """Guests into 1 to 3 of the tenant's Microsoft 365 groups, a sponsor for every fourth."""
    rng = random.Random(seed)
    return [
        Guest(
            n,
            f"soak.guest{n:03d}@fabrikam.com",
            f"Quillon Vantaberg {n:03d}",
            rng.sample(UNIFIED, rng.randint(1, 3)),
            MEGAN if n % 4 == 0 else None,
        )
        for n in numbers
    ]


def plan(post: Post, guests: list[Guest], tally: Tally, mix: Mix, *, secret: str = SECRET) -> list[Job]:
    """The deliveries in start order: each guest once, some twice at once, bulk syncs, late copies.

    ``secret`` is the webhook secret the HR system and the app share.
    """

    async def single(guest: Guest, *, primary: bool = False) -> None:
        delivery = await deliver(post, guest.payload(), secret=secret)
        tally.count(delivery)
        _check_single(guest, delivery, tally)
        if primary:
            guest.primary = delivery
            guest.onboarded.set()

    async def bulk(members: list[Guest]) -> None:
        pending = members
        for _ in range(4):  # the sync sends the entries that failed with 5xx again
            payload = {"guests": [g.payload() for g in pending]}
            delivery = await deliver(post, payload, bulk=True, secret=secret)
            tally.count(delivery, bulk=True)
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
        delivery = await deliver(post, guest.payload(), webhook_id=guest.primary.webhook_id, secret=secret)
        tally.count(delivery)
        if (delivery.final, delivery.reply and delivery.reply.problem_type) == (409, "webhook-replayed"):
            tally.replays_refused += 1
        else:
            tally.failures.append(f"replay of guest {guest.n} answered {delivery.statuses}")

    rng = random.Random(mix.seed + 1)
    order = list(guests)
    rng.shuffle(order)
    jobs: list[Job] = []
    bulked = guests[: mix.bulk_size * mix.bulk_deliveries]
    bulks = [bulked[i : i + mix.bulk_size] for i in range(0, len(bulked), mix.bulk_size)]
    for position, guest in enumerate(order):
        jobs.append(partial(single, guest, primary=True))
        if guest.n % mix.concurrent_every == 0:  # a concurrent duplicate: another id, started together
            jobs.append(partial(single, guest))
        if position % mix.bulk_spacing == mix.bulk_spacing // 2 and bulks:
            jobs.append(partial(bulk, bulks.pop()))
    jobs += [partial(single, g) for g in guests if g.n % mix.late_every == 1]  # late duplicates
    jobs += [partial(replay, g) for g in guests[len(guests) - mix.replays :]]
    return jobs


def _check_single(guest: Guest, delivery: Delivery, tally: Tally) -> None:
    if delivery.final == 201:
        tally.created[guest.email] += 1
    elif delivery.final != 200:
        tally.failures.append(f"guest {guest.n} answered {delivery.statuses}")


async def run_all(jobs: list[Job], concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Job) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))
