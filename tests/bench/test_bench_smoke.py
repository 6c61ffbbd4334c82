"""Every benchmark scenario once at a tiny size: the code keeps working and its structural claims hold.

Not timed: the figures come from ``make bench`` (docs/performance.md). What is checked is what could
silently break: Guestkeeper's request counts against the baseline's on the same workload, both sides
reaching the same end state (the scenarios raise otherwise), the tables rendering with their
targets, the worker and emulator processes of the full benchmark, and a cold process answering its
first onboarding request.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import report
from bench.scenarios import cleanup, coldstart, onboarding
from bench.workload import guest_specs, throttling_floor


def test_the_throttling_floor_is_one_window_per_150_invitations_after_the_first() -> None:
    assert throttling_floor(0) == 0.0
    assert throttling_floor(150) == 0.0
    assert throttling_floor(151) == 5.0
    assert throttling_floor(1000) == 30.0  # 6 x 150 + 100: seven windows


def test_guests_join_one_to_three_groups_two_on_average() -> None:
    sizes = [len(g.groups) for g in guest_specs(300)]
    assert set(sizes) == {1, 2, 3}
    assert sum(sizes) == 600
    assert all(len(set(g.groups)) == len(g.groups) for g in guest_specs(3))


async def test_bulk_onboarding_batches_what_the_baseline_sends_one_by_one(
    storage_connection_string: str,
) -> None:
    scenario = onboarding.OnboardingScenario(guests=10, chunk=4, latency_ms=0.0, throttling=True)
    result = await onboarding.run(scenario, storage_connection_string, mode="inprocess")
    gk, base = result.guestkeeper, result.baseline
    assert gk.outcome["requests"] == 3  # 4 + 4 + 2 guests
    assert gk.outcome["created"] == 10
    memberships = sum(len(g.groups) for g in guest_specs(10))
    assert gk.end_state == base.end_state == {"guests": 10, "memberships": memberships}
    assert base.requests.round_trips == 10 + memberships  # one request per invitation and membership
    # per bulk request: one invitation batch and one write batch; one facts read for the 3 groups
    assert gk.requests.round_trips == 2 * 3 + 1
    assert gk.requests.operations == 10 + memberships + 3
    assert gk.requests.throttled == base.requests.throttled == 0
    text = report.render(result)
    assert "| Guestkeeper |" in text
    assert "| Baseline |" in text
    assert [t.name for t in result.targets()] == ["Graph requests", "Wall time"]


async def test_cleanup_needs_a_fraction_of_the_baselines_requests(storage_connection_string: str) -> None:
    scenario = cleanup.CleanupScenario(decisions=250, denied=40, latency_ms=0.0)
    result = await cleanup.run(scenario, storage_connection_string, mode="inprocess")
    gk, base = result.guestkeeper, result.baseline
    kept, disabled = scenario.shape.kept, scenario.shape.disabled
    assert (kept, disabled) == (10, 30)
    assert gk.outcome["actions"] == {
        "remove-membership:removed": 40,
        "disable-account:disabled": disabled,
        "disable-account:kept-other-groups": kept,
    }
    # baseline: 3 decision pages, then per denied guest memberOf + removal (+ disable)
    assert base.requests.round_trips == 3 + 40 + 40 + disabled
    # Guestkeeper: instance + 3 pages + look-ups ceil(80/20) + removals 2 + re-read 1 + disables 2
    budget = 1 + math.ceil(250 / 100) + 4 * math.ceil(40 / 20) + math.ceil(kept / 20)
    assert gk.requests.round_trips <= budget
    assert result.fewer_requests > 5
    assert "Scenario 2" in report.render(result)


@pytest.mark.slow
async def test_the_full_benchmark_path_worker_and_emulator_processes(storage_connection_string: str) -> None:
    """Socket mode as ``make bench`` runs it: emulator servers and one worker process per side."""
    scenario = cleanup.CleanupScenario(decisions=20, denied=4, latency_ms=0.0)
    result = await cleanup.run(scenario, storage_connection_string, mode="socket")
    for side in (result.guestkeeper, result.baseline):
        assert side.end_state == {"members": 16, "disabled": 3}
        assert side.usage.peak_rss_kb > 10_000  # a worker process of its own, kilobytes
        assert side.usage.cpu_s > 0
    assert result.guestkeeper.requests.round_trips < result.baseline.requests.round_trips


@pytest.mark.slow
async def test_a_cold_process_answers_its_first_onboarding_request(storage_connection_string: str) -> None:
    scenario = coldstart.ColdStartScenario(runs=1, latency_ms=0.0, warmup=False)
    result = await coldstart.run(scenario, storage_connection_string)
    assert sorted(r.side for r in result.runs) == ["baseline", "guestkeeper"]
    for run in result.runs:
        assert run.import_s > 0
        assert run.first_request_s > 0
        assert run.process_s > run.total_s
    guestkeeper = next(r for r in result.runs if r.side == "guestkeeper")
    assert guestkeeper.modules > 500  # function_app really was imported (indexing)
    text = report.render(result)
    assert "Scenario 3" in text
    assert result.targets()[0].achieved.endswith("%")


def test_the_figures_replace_only_the_result_block(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(f"intro\n\n{report.BEGIN}\nold\n{report.END}\n\noutro\n", encoding="utf-8")
    report.write_into(doc, "new figures")
    assert doc.read_text(encoding="utf-8") == f"intro\n\n{report.BEGIN}\nnew figures\n{report.END}\n\noutro\n"
    doc.write_text("no markers", encoding="utf-8")
    with pytest.raises(ValueError, match="no"):
        report.write_into(doc, "x")
