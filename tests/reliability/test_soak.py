"""Soak: a few hundred onboarding webhooks, duplicated and concurrent, while Graph throttles, fails
and lags; the directory ends with exactly one guest per address and exactly its memberships.

Through the real HTTP handlers (``build().get_user_function()``, signed ``func.HttpRequest``), the
in-process emulator and Azurite. Injected: 429 and 503 on a share of Graph operations (``Retry-After:
1``), replication delay (a new guest is invisible for a while), Graph's invitation limit. The app's
retry policy is cut to two tries per item so that some failures reach the sender, whose retries
(same webhook id, after ``Retry-After``) must complete the work. Figures go to the run summary.
The traffic (``traffic.py``) is the endurance run's too, at its size (``make soak``).
"""

from __future__ import annotations

import time
from collections import Counter

from graph_emulator import FaultConfig, FaultRule, TenantState
from shared.graph.batch import RetryPolicy
from shared.onboarding.gateway import DirectoryGateway
from shared.state import address_hash
from shared.worker import Worker
from tests.reliability import figures
from tests.reliability.pii import Sensitive
from tests.reliability.sender import Post
from tests.reliability.traffic import Mix, Tally, make_guests, plan, run_all
from tests.shared.conftest import MEGAN

GUESTS = 150
MIX = Mix()  # every second guest twice at once, every fourth late, 8 bulk syncs of 10, 10 replays
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
    seed=MIX.seed,
)


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
    guests = make_guests(range(GUESTS), MIX.seed)
    for guest in guests:
        sensitive.add(guest.email, guest.name)
    tally = Tally()
    users_before = len(emulator_state.directory.users)

    started = time.monotonic()
    await run_all(plan(post, guests, tally, MIX), MIX.concurrency)
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
    assert tally.replays_refused == MIX.replays
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
