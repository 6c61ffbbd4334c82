"""What the story produced (``StoryReport``), as JSON for tests and as text a person reads at a glance.

Plain text tables, no colour unless the caller asks for it (``scripts.demo`` does on a TTY only).
Guest names and addresses here are the demo's own sample data; the audit itself holds ids only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.audit import record_json
from shared.state import AuditRecord


@dataclass(frozen=True)
class StepRecord:
    number: int  # the step of the demo's story (1 onboarding ... 4 cleanup)
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
    if isinstance(detail, dict):  # a round summary: the decisions it saw
        counts = {k: v for k, v in (detail.get("decisions") or {}).items() if k != "total"}
        return "decisions: " + (", ".join(f"{n} {d}" for d, n in sorted(counts.items())) or "none")
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
    g = report.graph
    batched = g.by_route.get("POST /v1.0/$batch", 0)
    out += [
        "",
        f"{bold}Graph requests{reset}: {g.round_trips} round trips ({batched} of them $batch), "
        f"{g.operations} operations, {g.writes} writes",
    ]
    rows = sorted((short_route(r), d, i) for r, d, i in g.rows())
    out += table(["operation", "direct", "in $batch"], rows)
    out += ["  (paths under /v1.0; accessReviews stands for identityGovernance/accessReviews)"]
    return "\n".join(out)
