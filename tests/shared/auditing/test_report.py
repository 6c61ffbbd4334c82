"""The round report from real rounds on the emulator and Azurite: cleaned up, guarded, grace-deleted.

Each page is parsed with ``html.parser``: what it says (the round, who was reviewed, each decision
and reviewer, what was removed, disabled and deleted and when, the guard), what it never holds
(script, external assets, links out, names, addresses), and that every value is escaped.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from graph_emulator import TenantState
from shared.auditing import report_html
from shared.auditing.report import RoundReport, gather_report
from shared.cleanup import guard
from shared.cleanup.audit import Action
from shared.cleanup.round import RoundOutcome, clean_up_instance
from shared.cleanup.settings import CleanupSettings
from shared.errors import Forbidden, NothingRecorded
from shared.governance.grace import delete_expired_guests
from shared.state import StateStore
from tests.shared.cleanup.fixtures import FEELGOOD, NO_GUARD, cleanup_deps, finished_round, guests
from tests.shared.conftest import FAST_RETRIES, MEGAN

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=31)
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "div", "dl", "dt", "dd"}
ALLOWED_TAGS |= {"table", "tr", "th", "td", "code"}


class Page(HTMLParser):
    """The page as a parser sees it: its tags with their attributes, the body's text, and each table
    row's cells as text."""

    BLOCKS = frozenset({"h1", "h2", "p", "div", "dt", "dd", "tr", "th", "td"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[list[str]] = []
        self._text: list[str] = []
        self._cell: list[str] | None = None
        self._in_body = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_body = self._in_body or tag == "body"
        if tag in self.BLOCKS:
            self._text.append(" ")
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_body:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self._text).split())

    def cells(self, width: int) -> list[list[str]]:
        """The rows of the tables ``width`` columns wide (header rows hold no ``td``)."""
        return [row for row in self.rows if len(row) == width]


def self_contained(html: str) -> Page:
    page = Page(html)
    lowered = html.lower()
    assert "<script" not in lowered
    assert "src=" not in lowered
    assert 'href="http' not in lowered
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    assert not [
        a for _, attrs in page.tags for a in attrs if a in ("src", "href", "action") or a.startswith("on")
    ]
    return page


async def cleaned(
    graph: Any, raw: httpx.AsyncClient, state: TenantState, store: StateStore, settings: CleanupSettings
) -> tuple[Any, Any, Any]:
    denied, kept = guests(state, 2, [FEELGOOD])
    review = await finished_round(
        graph, raw, {FEELGOOD: {denied.id: "Deny", kept.id: "Approve"}}, auto_apply=False
    )
    message = review.message(FEELGOOD)
    result = await clean_up_instance(
        cleanup_deps(graph, store, settings, now=NOW, retry=FAST_RETRIES), message
    )
    return (denied, kept), message, result


async def test_the_report_of_a_round_cleaned_up_then_grace_deleted(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    (denied, kept), message, _ = await cleaned(graph, raw_client, emulator_state, store, NO_GUARD)
    deleted = await delete_expired_guests(graph, store.disabled, store.audit, now=LATER, grace_days=30)
    assert deleted.deleted == (denied.id,)

    emulator_state.requests.clear()
    report = await gather_report(store.audit, store.reviews, graph, message.instance_id, now=LATER)
    assert emulator_state.requests.round_trips == 1 + math.ceil(2 / 100)  # one $batch, one decision page
    assert report.facts is not None
    assert report.definition_id == message.definition_id  # from the round's summary record

    html = report_html.render(report)
    page = self_contained(html)
    text = page.text
    assert f"Access review round {message.instance_id}" in text
    assert f"Review definition Quarterly guest review ({message.definition_id})" in text
    assert f"Group Feelgood Marketing Campaign ({FEELGOOD})" in text
    assert "Status Completed" in text
    assert "Cleaned up 2026-01-20 12:00:00Z" in text
    assert "2 decision(s): 1 Approve, 1 Deny." in text
    decisions = {row[0]: row for row in page.cells(8)}
    assert decisions[denied.id][1:3] == ["user", "Deny"]
    assert decisions[kept.id][1:3] == ["user", "Approve"]
    assert {decisions[g][4] for g in (denied.id, kept.id)} == {MEGAN}  # the group owner reviewed
    actions = {(row[1], row[2], row[3]) for row in page.cells(7)}
    assert (Action.REMOVE.value, "removed", denied.id) in actions
    assert (Action.ACCOUNT.value, "disabled", denied.id) in actions
    assert ("guest-delete", "deleted", denied.id) in actions
    when = {(row[1], row[3]): row[0] for row in page.cells(7)}
    assert when[("guest-delete", denied.id)] == "2026-02-20 12:00:00Z"
    for person in (denied, kept):  # object ids only: never a name, an address or a UPN
        assert person.display_name not in html
        assert str(person.mail) not in html
        assert person.user_principal_name.split("#")[0] not in html
    assert "Megan" not in html


async def test_a_guarded_round_shows_the_guard_and_its_release_escaped(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    strict = CleanupSettings(guard_min_decisions=2, max_denial_share=0.25)
    _, message, result = await cleaned(graph, raw_client, emulator_state, store, strict)
    assert result.outcome is RoundOutcome.GUARDED
    why = '<script>alert("x")</script> & HR said <b>yes</b>'
    await guard.release(store.audit, message.instance_id, why=why, now=NOW + timedelta(hours=2))

    html = report_html.render(
        await gather_report(store.audit, store.reviews, graph, message.instance_id, now=NOW)
    )
    page = self_contained(html)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; HR said &lt;b&gt;yes&lt;/b&gt;" in html
    assert "The mass-removal guard" in page.text
    assert "1 of 2 decisions are Deny" in page.text
    assert f"Released at 2026-01-20 14:00:00Z: {why}" in page.text
    assert [cls for tag, attrs in page.tags if tag == "div" for cls in [attrs.get("class")]] == ["guard"]


async def test_a_round_graph_no_longer_has_is_reported_from_the_audit(
    graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    _, message, _ = await cleaned(graph, raw_client, emulator_state, store, NO_GUARD)
    definitions = graph.identity_governance.access_reviews.definitions
    await definitions.by_access_review_schedule_definition_id(message.definition_id).delete()
    report = await gather_report(store.audit, store.reviews, graph, message.instance_id, now=NOW)
    assert report.facts is None
    page = self_contained(report_html.render(report))
    assert "Decisions unavailable: Graph no longer has the round." in page.text
    assert "remove-membership" in page.text


async def test_a_round_never_seen_is_nothing_recorded(graph: Any, store: StateStore) -> None:
    with pytest.raises(NothingRecorded):
        await gather_report(
            store.audit, store.reviews, graph, "9e1b0b43-5f5d-4b8e-9a53-2d0d39c64a11", now=NOW
        )


async def test_the_report_needs_exactly_two_read_permissions(
    graph: Any, make_graph: Any, raw_client: httpx.AsyncClient, emulator_state: TenantState, store: StateStore
) -> None:
    """AccessReview.Read.All (instance, definition, decisions) and GroupMember.Read.All (the group's
    name), Graph's least privileged application permissions for those reads; the app holds both
    (AccessReview.ReadWrite.All covers the first)."""
    _, message, _ = await cleaned(graph, raw_client, emulator_state, store, NO_GUARD)
    needed = ["AccessReview.Read.All", "GroupMember.Read.All"]
    report = await gather_report(store.audit, store.reviews, make_graph(needed), message.instance_id, now=NOW)
    assert report.facts is not None
    assert report.facts.group_name == "Feelgood Marketing Campaign"
    for missing in needed:
        roles = [r for r in needed if r != missing]
        with pytest.raises(Forbidden):
            await gather_report(store.audit, store.reviews, make_graph(roles), message.instance_id, now=NOW)


def test_the_words_the_page_singles_out_are_cleanups() -> None:
    assert (
        Action.GUARD.value,
        Action.GUARD_RELEASE.value,
        Action.ROUND.value,
    ) == (report_html.GUARD, report_html.GUARD_RELEASE, report_html.ROUND_SUMMARY)


def test_every_value_is_escaped_even_ids() -> None:
    hostile = '"><img src=x onerror=alert(1)>'
    report = RoundReport(hostile, hostile, hostile, None, None, [], NOW)
    html = report_html.render(report)
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as text, never as markup
    page = Page(html)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    assert not [a for _, attrs in page.tags for a in attrs if a in ("src", "onerror")]
