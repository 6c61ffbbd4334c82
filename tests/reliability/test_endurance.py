"""Endurance: a thousand onboarding webhooks over devhost while two review rounds finish and clean up.

``make soak`` runs the long one (marked ``soak``, deselected by default): the Graph emulator,
Azurite and devhost serving ``function_app`` as processes (the demo's stack), 1,200 guests in three
waves, a fifth of the webhooks duplicates (concurrent, late, bulk syncs, replays), Graph failing
one request in ten or more (429, 503, replication 404s), and two review cycles that finish while the
second and third waves are in flight (``endurance.py``). ``make test`` runs the same run at a
handful of guests, without faults, on the in-process stack, so that the run cannot rot between soaks.

Held: no webhook lost (every delivery ends 2xx after the sender's retries, every guest holds exactly
the memberships asked for less those denied), no duplicate guest, no 5xx but the retryable 503s,
no Graph write from a refused request; a denied guest left in no group is disabled, no one else.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest

from scripts.demo import start_stack
from scripts.processes import Stack
from scripts.story_driver import Endpoints
from tests.reliability import endurance, figures
from tests.reliability.endurance import Outcome, Run, Size
from tests.reliability.pii import Sensitive, find_leaks
from tests.reliability.stack import app_stack
from tests.reliability.traffic import Mix

THROTTLED = [{"status": 429, "rate": 0.07, "retry_after": 1}, {"status": 503, "rate": 0.04, "retry_after": 1}]
# 1,200 guests: 1,200 first deliveries, 200 concurrent and 75 late copies, 6 bulk syncs, 12 replays
# and 12 denied guests sent again: about 1,500 webhooks, a fifth of them duplicates.
SOAK = Size(
    guests_per_wave=400,
    mix=Mix(concurrent_every=6, late_every=16, bulk_deliveries=2, bulk_spacing=200, replays=0),
    deny_share=0.05,
    approve_share=0.05,
    refused_per_kind=12,
    wait_seconds=180,
    faults={"rules": THROTTLED, "replication_delay_s": 0.3, "invitation_throttling": True, "seed": 15},
)
SHORT = Size(
    guests_per_wave=6,
    mix=Mix(concurrent_every=3, late_every=4, bulk_size=3, bulk_deliveries=1, bulk_spacing=6, replays=0),
    deny_share=0.2,
    approve_share=0.2,
    refused_per_kind=2,
    wait_seconds=30,
    faults={},  # none: their retries would cost seconds of make test; test_soak.py has them in process
)


async def test_endurance_run_at_a_handful_of_guests(
    storage_connection_string: str, monkeypatch: pytest.MonkeyPatch, sensitive: Sensitive
) -> None:
    async with app_stack(storage_connection_string, None, monkeypatch) as stack:
        endpoints = dataclasses.replace(stack.endpoints, wait_seconds=SHORT.wait_seconds)
        result, outcome = await run_and_read(endpoints, SHORT, sensitive)
    report("endurance (short)", result, outcome)
    check(result, outcome, SHORT)


@pytest.mark.soak
@pytest.mark.slow
async def test_soak_thousand_webhooks_over_devhost_while_two_review_rounds_finish(
    tmp_path: Path, sensitive: Sensitive
) -> None:
    with Stack(log_dir=tmp_path) as stack:
        endpoints = dataclasses.replace(start_stack(stack, io.StringIO()), wait_seconds=SOAK.wait_seconds)
        result, outcome = await run_and_read(endpoints, SOAK, sensitive)
    logged = [line for child in stack.started for line in child.log_text().splitlines() if not banner(line)]
    leaks = find_leaks(logged, sensitive.values)
    report("soak endurance", result, outcome, scanned=len(logged))
    check(result, outcome, SOAK)
    assert not leaks, "personal data or secrets in the processes' logs:\n" + "\n".join(leaks)
    assert result.tally.webhooks >= 1000
    assert len(result.guests) >= 500
    assert duplicate_share(result) >= 0.2
    assert sum(outcome.faults.values()) >= 0.1 * outcome.requests
    assert all(outcome.faults[kind] > 0 for kind in ("429", "503", "404 replication"))
    assert all(c.webhooks_in_flight > 0 for c in result.review.cycles)  # the rounds ended mid-traffic


def banner(line: str) -> bool:
    """devhost prints its keys once at start, for the operator, as Core Tools does: not a log record."""
    return line.startswith(("Function key: ", "Master key: "))


async def run_and_read(endpoints: Endpoints, size: Size, sensitive: Sensitive) -> tuple[Run, Outcome]:
    sensitive.add(endpoints.webhook_secret, endpoints.webhook_secret.removeprefix("whsec_"))
    sensitive.add(endpoints.function_key or "")
    result = await endurance.run(endpoints, size)
    for guest in result.guests:
        sensitive.add(guest.email, guest.name)
    return result, await endurance.read_outcome(endpoints, result)


def check(result: Run, outcome: Outcome, size: Size) -> None:
    tally = result.tally
    assert tally.failures == []  # every delivery ended 2xx (replays and denied guests aside)
    assert outcome.lost == 0
    assert outcome.duplicate_guests == 0
    assert outcome.extra_memberships == 0
    assert outcome.wrong_accounts == 0
    assert outcome.wrong_sponsors == 0
    assert outcome.created_not_once == 0  # one 201 per address, 200 for every duplicate
    assert [s for s in tally.statuses if s >= 500 and s != 503] == []  # 503 + Retry-After: retried
    assert result.refused_writes == 0
    replays = min(size.refused_per_kind, len(result.guests) - len(result.review.denied))
    denied_again = min(size.refused_per_kind, len(result.review.denied))
    assert result.refused == {
        "409 webhook-replayed": replays,
        "409 guest-recently-denied": denied_again,
        "401 signature-expired": 1,
        "401 signature-invalid": 1,
    }
    assert [c.number for c in result.review.cycles] == [1, 2]
    assert all(c.rounds > 0 for c in result.review.cycles)
    assert all(c.denied > 0 for c in result.review.cycles)


def duplicate_share(result: Run) -> float:
    """Webhooks beyond each guest's first delivery (concurrent, late, bulk, replays, denied again)."""
    return (result.tally.webhooks - len(result.guests)) / result.tally.webhooks


def report(scenario: str, result: Run, outcome: Outcome, *, scanned: int | None = None) -> None:
    """The run's figures as a table at the end of the session (and in the JSON of the figures)."""
    tally, cycles = result.tally, result.review.cycles
    latencies = result.latencies
    other_5xx = sum(n for s, n in tally.statuses.items() if s >= 500 and s != 503)
    final_5xx = sum(n for s, n in tally.finals.items() if s >= 500)
    retryable = f"{tally.statuses[503]} x 503 + Retry-After (retried)"
    rows: list[tuple[str, Any]] = [
        ("webhooks (HTTP attempts)", f"{tally.webhooks:,} ({tally.attempts:,})"),
        ("guests", f"{len(result.guests):,}"),
        ("duplicates sent", f"{tally.webhooks - len(result.guests):,} ({duplicate_share(result):.1%})"),
        ("Graph requests and $batch items", f"{outcome.requests:,}"),
        (
            "faults injected, by kind (share of requests)",
            f"{_counts(outcome.faults)} ({sum(outcome.faults.values()) / max(outcome.requests, 1):.1%})",
        ),
        ("retryable answers the sender retried", _counts(tally.retried_on)),
        ("lost (deliveries not 2xx; memberships or guests missing)", len(tally.failures) + outcome.lost),
        (
            "duplicate guests / memberships not asked for",
            f"{outcome.duplicate_guests} / {outcome.extra_memberships}",
        ),
        ("5xx answers: final; other than 503 + Retry-After", f"{final_5xx}; {other_5xx} ({retryable})"),
        ("refused in the quiet phase", _counts(result.refused)),
        ("Graph writes from refused requests", result.refused_writes),
        (
            "review cycles (rounds, Deny / Approve, seconds)",
            "; ".join(f"{c.rounds}, {c.denied} / {c.approved}, {c.seconds:.0f} s" for c in cycles),
        ),
        (
            "webhooks in flight when each cycle's cleanup ended",
            ", ".join(str(c.webhooks_in_flight) for c in cycles),
        ),
        ("guests disabled by cleanup", outcome.disabled),
        ("governance runs failed and run again", result.review.governance_failures),
        ("function invocations", _counts(outcome.invocations)),
        (
            "webhook latency p50 / p99 (one attempt)",
            f"{1000 * endurance.percentile(latencies, 0.5):.0f} / "
            f"{1000 * endurance.percentile(latencies, 0.99):.0f} ms",
        ),
        (
            "delivery p50 / p99 (retries and Retry-After included)",
            f"{endurance.percentile(tally.delivery_seconds, 0.5):.2f} / "
            f"{endurance.percentile(tally.delivery_seconds, 0.99):.2f} s",
        ),
        ("wall time", f"{result.seconds:.0f} s"),
    ]
    if scanned is not None:
        rows.append(("process log lines scanned for personal data", f"{scanned:,}"))
    figures.record(scenario, **dict(rows))
    figures.table(scenario, rows)


def _counts(counter: Any) -> str:
    return ", ".join(f"{key}: {n:,}" for key, n in sorted(counter.items())) or "none"
