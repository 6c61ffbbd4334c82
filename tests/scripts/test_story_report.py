"""scripts/story_report.py: request counts between two snapshots, readable routes and tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from scripts.hr_receiver import Received
from scripts.story_report import (
    Action,
    Callback,
    Chapter,
    GraphUsage,
    LeaverOutcome,
    StepRecord,
    StoryReport,
    action_of,
    action_order,
    audited,
    render,
    short_route,
    table,
)
from shared.state import AuditRecord

AT = datetime(2026, 1, 5, tzinfo=UTC)


def summary(trips: int, by_route: dict[str, int], operations: dict[str, int]) -> dict[str, object]:
    return {
        "roundTrips": trips,
        "operations": sum(operations.values()),
        "writes": 0,
        "byRoute": by_route,
        "operationsByRoute": operations,
    }


def test_usage_is_the_difference_of_two_snapshots() -> None:
    before = summary(1, {"GET /v1.0/users": 1}, {"GET /v1.0/users": 1})
    after = summary(
        4,
        {"GET /v1.0/users": 1, "POST /v1.0/$batch": 3},
        {"GET /v1.0/users": 1, "POST /v1.0/invitations": 4, "POST /v1.0/$batch": 3},
    )
    usage = GraphUsage.between(before, after)
    assert (usage.round_trips, usage.operations) == (3, 7)
    assert usage.by_route == {"POST /v1.0/$batch": 3}  # unchanged routes are dropped
    assert usage.rows() == [("POST /v1.0/$batch", 3, 0), ("POST /v1.0/invitations", 0, 4)]


def test_short_routes() -> None:
    route = "GET /v1.0/identityGovernance/accessReviews/definitions/{definition_id}/instances/{instance_id}"
    assert short_route(route) == "GET /accessReviews/definitions/{id}/instances/{id}"
    assert short_route("POST /v1.0/groups/{group_id}/members/$ref") == "POST /groups/{id}/members/$ref"


def test_table_aligns_numbers_right_and_text_left() -> None:
    assert table(["name", "n"], [("a", 1), ("bcd", 22)], indent="") == [
        "name   n",
        "----  --",
        "a      1",
        "bcd   22",
    ]


def test_actions_name_guests_and_groups_and_explain_auto_apply() -> None:
    record = AuditRecord(
        "remove-membership", "already-removed", AT, guest_id="u1", group_id="g1",
        instance_id="i1", decision="Deny", detail="applyResult AppliedSuccessfully",
    )  # fmt: skip
    action = action_of(record, {"u1": "John Doe"}, {"g1": "Feelgood"})
    assert action == Action(
        "John Doe", "Feelgood", "Deny", "remove-membership", "already-removed",
        "the review's auto-apply had removed it",
    )  # fmt: skip
    round_summary = AuditRecord(
        "round-summary", "done", AT, group_id="g1", instance_id="i1",
        detail='{"decisions": {"total": 2, "Deny": 1, "Approve": 1}, "actions": {}}',
    )  # fmt: skip
    summary_action = action_of(round_summary, {}, {"g1": "Feelgood"})
    assert summary_action.note == "decisions: 1 Approve, 1 Deny"
    assert sorted([summary_action, action], key=action_order) == [action, summary_action]


def test_render_has_every_section() -> None:
    usage = GraphUsage(1, 1, 0, {"POST /v1.0/invitations": 1}, {"POST /v1.0/invitations": 1})
    report = StoryReport(
        steps=(StepRecord(1, "HR webhook onboards John Doe", "201 created", 0.2, 1),),
        definition_id="d1", guests=(), rounds=(), decisions=(), actions=(), audit=(),
        graph=usage, cleanup_succeeded=0, cleanup_failed=0, state_table="guestkeeper", seconds=1.0,
    )  # fmt: skip
    text = render(report)
    for heading in ("Story", "Guests", "Review decisions (definition d1)", "Actions taken by cleanup"):
        assert heading in text
    assert "Graph requests: 1 round trips (0 of them $batch), 1 operations, 0 writes" in text
    assert "POST /invitations" in text
    assert report.to_json()["steps"][0]["title"] == "HR webhook onboards John Doe"


def test_an_offboardings_note_shows_its_facts_but_not_hrs_reason() -> None:
    facts = {"externalRef": "HR-1003", "reason": "Ended", "account": "disabled", "groupsRemoved": 1}
    record = AuditRecord("offboarding.guest", "disabled", AT, guest_id="u1", detail=json.dumps(facts))
    action = audited(record, {"u1": "Mira Patel"})
    assert (action.at, action.guest) == ("2026-01-05T00:00:00Z", "Mira Patel")
    assert action.note == "externalRef HR-1003, account disabled, groupsRemoved 1"


def test_the_chapter_shows_leavers_actions_and_every_callback_with_its_signature() -> None:
    usage = GraphUsage(1, 1, 1, {"PATCH /v1.0/users/{user_id}": 1}, {"PATCH /v1.0/users/{user_id}": 1})
    payload = {"type": "guest.offboarded", "timestamp": "2027-01-23T01:00:00Z", "data": {"userId": "u1"}}
    signed = Callback.of(Received("msg_1", payload, 1, 204, True, AT), {"u1": "Mira Patel"})
    forged = Callback.of(Received("msg_2", {}, 1, 401, False, AT), {})
    assert (signed.event, signed.guest, signed.user_id, signed.event_time) == (
        "guest.offboarded", "Mira Patel", "u1", "2027-01-23T01:00:00Z",
    )  # fmt: skip
    assert (forged.event, forged.guest, forged.verified) == ("-", "-", False)
    chapter = Chapter(
        guests=(LeaverOutcome("Mira Patel", "Northwind", "u1", "offboarded", 201, (), "deleted", 0, ()),),
        actions=(), callbacks=(signed, forged), graph=usage,
    )  # fmt: skip
    report = StoryReport(
        steps=(), definition_id="d1", guests=(), rounds=(), decisions=(), actions=(), audit=(),
        graph=usage, cleanup_succeeded=0, cleanup_failed=0, state_table="guestkeeper", seconds=1.0,
        chapter=chapter,
    )  # fmt: skip
    text = render(report)
    assert "HR callbacks: 2 received, 1 with a valid signature" in text
    assert "Graph requests of the chapter: 1 round trips" in text
    signatures = [line.split()[-2] for line in text.splitlines() if line.endswith(("01:00:00Z", " -"))]
    assert signatures == ["valid", "INVALID"]
    assert report.to_json()["chapter"]["callbacks"][0]["webhook_id"] == "msg_1"
