"""What the story produced (``StoryReport``), as JSON for tests and as text a person reads at a glance.

Plain text tables, no colour unless the caller asks for it (``scripts.demo`` does on a TTY only).
Guest names and addresses here are the demo's own sample data; the audit itself holds ids only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from scripts.hr_receiver import Received
from shared.audit import record_json
from shared.state import AuditRecord


@dataclass(frozen=True)
class StepRecord:
    number: int  # the step of the demo's story (1 onboarding ... 4 cleanup, 6-10 the leavers)
    title: str
    detail: str
    seconds: float
    round_trips: int  # Graph round trips the app made during the step


@dataclass(frozen=True)
class GuestOutcome:
    name: str
    email: str
    company: str
    user_id: str
    onboarding_status: int
    onboarded_into: tuple[str, ...]
    groups_now: tuple[str, ...]
    enabled: bool


@dataclass(frozen=True)
class Round:
    instance_id: str
    group: str
    status: str


@dataclass(frozen=True)
class Decision:
    group: str
    reviewer: str
    guest: str
    recommendation: str
    decision: str
    apply_result: str


@dataclass(frozen=True)
class Action:
    guest: str
    group: str
    decision: str
    action: str
    outcome: str
    note: str


def action_of(record: AuditRecord, names: Mapping[str, str], groups: Mapping[str, str]) -> Action:
    """An audit record with the ids a person would not recognise replaced by names."""
    return Action(
        guest=names.get(record.guest_id or "", record.guest_id or "-"),
        group=groups.get(record.group_id or "", record.group_id or "-"),
        decision=record.decision or "-",
        action=record.action,
        outcome=record.outcome,
        note=_note(record),
    )


def _note(record: AuditRecord) -> str:
    detail = record_json(record).get("detail")
    if isinstance(detail, dict) and "decisions" in detail:  # a round summary: the decisions it saw
        counts = {k: v for k, v in (detail.get("decisions") or {}).items() if k != "total"}
        return "decisions: " + (", ".join(f"{n} {d}" for d, n in sorted(counts.items())) or "none")
    if isinstance(detail, dict):  # an onboarding's or offboarding's facts; HR's free-text reason left out
        return ", ".join(f"{k} {v}" for k, v in detail.items() if k != "reason")
    if record.outcome == "already-removed" and detail == "applyResult AppliedSuccessfully":
        return "the review's auto-apply had removed it"
    return str(detail or "")


def action_order(action: Action) -> tuple[str, bool, str]:
    """Per group: the guests' actions, then the round's summary."""
    return (action.group, action.action == "round-summary", action.guest)


@dataclass(frozen=True)
class GraphUsage:
    round_trips: int
    operations: int
    writes: int
    by_route: dict[str, int]  # outer requests ("POST /v1.0/$batch" counts once per batch)
    operations_by_route: dict[str, int]  # every operation, batch items included

    @classmethod
    def between(cls, before: Mapping[str, Any], after: Mapping[str, Any]) -> GraphUsage:
        """The difference of two ``GET /_emulator/requests`` summaries: what happened in between."""

        def diff(key: str) -> dict[str, int]:
            old: Mapping[str, int] = before[key]
            counts = {route: n - old.get(route, 0) for route, n in after[key].items()}
            return {route: n for route, n in sorted(counts.items()) if n}

        return cls(
            round_trips=after["roundTrips"] - before["roundTrips"],
            operations=after["operations"] - before["operations"],
            writes=after["writes"] - before["writes"],
            by_route=diff("byRoute"),
            operations_by_route=diff("operationsByRoute"),
        )

    def rows(self) -> list[tuple[str, int, int]]:
        """``(route, direct requests, items inside $batch)`` per operation route."""
        return [
            (route, self.by_route.get(route, 0), total - self.by_route.get(route, 0))
            for route, total in self.operations_by_route.items()
        ]


@dataclass(frozen=True)
class Callback:
    """One HR callback as HR's receiver saw it: the event, the guest's object id, whether the
    signature verified, and when (the event on the app's clock, the arrival on HR's)."""

    event: str
    guest: str  # the demo's own name for the guest, else its object id
    user_id: str
    verified: bool
    status: int  # what HR answered
    webhook_id: str
    event_time: str  # the body's timestamp
    received_at: str  # HR's wall clock, ISO 8601

    @classmethod
    def of(cls, received: Received, names: Mapping[str, str]) -> Callback:
        data = received.payload.get("data") or {}
        user = str(data.get("userId") or "-")
        return cls(
            event=str(received.payload.get("type") or "-"),
            guest=names.get(user, user),
            user_id=user,
            verified=received.verified,
            status=received.status,
            webhook_id=received.webhook_id,
            event_time=str(received.payload.get("timestamp") or "-"),
            received_at=received.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        )


@dataclass(frozen=True)
class LeaverOutcome:
    """A guest of the last chapter: what HR did, and where the app's rules left the account."""

    name: str
    company: str
    user_id: str
    hr_story: str  # what HR and the guest did
    onboarding_status: int
    groups_now: tuple[str, ...]
    account: str  # enabled, disabled or deleted
    reminders: int  # invitation reminders the app sent (audit)
    events: tuple[str, ...]  # the HR callbacks about this guest, in order of arrival


@dataclass(frozen=True)
class AuditedAction:
    """An audit record of the chapter, with the guest's name."""

    at: str  # on the app's clock, ISO 8601
    guest: str
    action: str
    outcome: str
    note: str


def audited(record: AuditRecord, names: Mapping[str, str]) -> AuditedAction:
    return AuditedAction(
        at=record.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        guest=names.get(record.guest_id or "", record.guest_id or "-"),
        action=record.action,
        outcome=record.outcome,
        note=_note(record),
    )


@dataclass(frozen=True)
class Chapter:
    """The last chapter: a contractor offboarded by HR, an invitation never redeemed, and every
    outcome HR heard of through its signed callbacks."""

    guests: tuple[LeaverOutcome, ...]
    actions: tuple[AuditedAction, ...]  # what the app did during the chapter, HR callbacks aside
    callbacks: tuple[Callback, ...]  # every callback HR received during the whole story
    graph: GraphUsage  # the chapter's own Graph requests


@dataclass(frozen=True)
class StoryReport:
    steps: tuple[StepRecord, ...]
    definition_id: str
    guests: tuple[GuestOutcome, ...]
    rounds: tuple[Round, ...]
    decisions: tuple[Decision, ...]
    actions: tuple[Action, ...]
    audit: tuple[AuditRecord, ...]
    graph: GraphUsage
    cleanup_succeeded: int
    cleanup_failed: int
    state_table: str
    seconds: float
    reviewers: str = "owners"  # the app's REVIEW_REVIEWERS in this story
    chapter: Chapter | None = None  # told when the app's clock is the emulator's and HR listens

    def to_json(self) -> dict[str, Any]:
        body = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "audit"}
        plain: dict[str, Any] = _plain(body)
        return plain | {"audit": [record_json(r) for r in self.audit]}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def short_route(route: str) -> str:
    """``POST /v1.0/identityGovernance/accessReviews/definitions/{definition_id}/stop``
    -> ``POST /accessReviews/definitions/{id}/stop``: short enough for one line of a table."""
    route = route.replace("/v1.0", "").replace("/identityGovernance/accessReviews", "/accessReviews")
    return re.sub(r"\{\w+_id\}", "{id}", route)


# -- text ------------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ") -> list[str]:
    """Left-aligned columns (numbers right-aligned), two spaces apart."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], int | float) for row in rows) and rows for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [
            c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return (indent + "  ".join(parts)).rstrip()

    return [line(cells[0]), line(["-" * w for w in widths]), *(line(r) for r in cells[1:])]


def render(report: StoryReport, *, bold: str = "", reset: str = "") -> str:
    """The report a person reads: story steps, guests, decisions, actions, Graph requests, audit."""
    out = [f"{bold}Story{reset}"]
    out += table(
        ["step", "what happened", "result", "Graph", "time"],
        [(s.number, s.title, s.detail, s.round_trips, f"{s.seconds:.1f}s") for s in report.steps],
    )
    out += ["", f"{bold}Guests{reset}"]
    out += table(
        ["guest", "company", "onboarding", "groups after the review", "account"],
        [
            (g.name, g.company, f"{g.onboarding_status} into {len(g.onboarded_into)} group(s)",
             ", ".join(g.groups_now) or "(none)", "enabled" if g.enabled else "DISABLED")
            for g in report.guests
        ],
    )  # fmt: skip
    who = "" if report.reviewers == "owners" else "; reviewers: sponsors (owners for a guest without one)"
    out += ["", f"{bold}Review decisions{reset} (definition {report.definition_id}{who})"]
    out += table(
        ["group", "decided by", "guest", "recommended", "decision", "applied"],
        [
            (d.group, d.reviewer, d.guest, d.recommendation, d.decision, d.apply_result)
            for d in report.decisions
        ],
    )
    out += ["", f"{bold}Actions taken by cleanup{reset} ({report.cleanup_succeeded} round(s) processed)"]
    out += table(
        ["group", "guest", "decision", "action", "outcome", "note"],
        [
            (a.group, a.guest, a.decision, a.action, a.outcome, a.note)
            for a in sorted(report.actions, key=action_order)
        ],
    )
    out += ["", *graph_lines(f"{bold}Graph requests{reset}", report.graph)]
    if report.chapter is not None:
        out += ["", *render_chapter(report.chapter, bold=bold, reset=reset)]
    return "\n".join(out)


def _signature(callback: Callback) -> str:
    return "valid" if callback.verified else "INVALID"


def graph_lines(heading: str, g: GraphUsage) -> list[str]:
    batched = g.by_route.get("POST /v1.0/$batch", 0)
    out = [
        f"{heading}: {g.round_trips} round trips ({batched} of them $batch), "
        f"{g.operations} operations, {g.writes} writes"
    ]
    rows = sorted((short_route(r), d, i) for r, d, i in g.rows())
    out += table(["operation", "direct", "in $batch"], rows)
    return [*out, "  (paths under /v1.0; accessReviews stands for identityGovernance/accessReviews)"]


def render_chapter(chapter: Chapter, *, bold: str = "", reset: str = "") -> list[str]:
    """The chapter's guests, what the app did, and what HR received."""
    out = [f"{bold}Leavers{reset}: a contractor offboarded by HR, an invitation never redeemed"]
    out += table(
        ["guest", "company", "what HR and the guest did", "groups now", "account", "reminders"],
        [
            (g.name, g.company, g.hr_story, ", ".join(g.groups_now) or "(none)", g.account, g.reminders)
            for g in chapter.guests
        ],
    )
    out += ["", f"{bold}What the app did{reset} (audit; times on the app's clock, which is the emulator's)"]
    out += table(
        ["when", "guest", "action", "outcome", "note"],
        [(a.at[:16].replace("T", " "), a.guest, a.action, a.outcome, a.note) for a in chapter.actions],
    )
    valid = sum(1 for c in chapter.callbacks if c.verified)
    out += [
        "",
        f"{bold}HR callbacks{reset}: {len(chapter.callbacks)} received, {valid} with a valid signature "
        "(Standard Webhooks, verified by HR's receiver with the callback secret)",
    ]
    out += table(
        ["received", "event", "guest", "object id", "signature", "event time"],
        [
            (c.received_at[11:23], c.event, c.guest, c.user_id, _signature(c), c.event_time)
            for c in chapter.callbacks
        ],
    )
    return [*out, "", *graph_lines(f"{bold}Graph requests of the chapter{reset}", chapter.graph)]
