"""Least privilege: the demo story passes with exactly the README's Graph permissions, and each
permission is shown to be needed.

The permission list is parsed from README.md's "Graph permissions" table (so the test breaks when
the README drifts), with the functions each row names ("cleanup:", "cleanup and offboarding:",
"; cleanup: ..." after onboarding's calls; none: onboarding). Three checks:

1. the README lists what the code says each function needs (``shared/graph/permissions.py``);
2. ``scripts.story.run_story`` (the demo) passes against the real app on an in-process devhost whose
   one identity holds exactly the README list; then once per permission with that permission
   removed: the story fails at a step of a function that lists it, with Graph's 403, or it passes
   because another permission of the list covers it (one identity holds them all);
3. each function, holding exactly its own README rows, works, and fails with 403 without any one
   of them: so every row is needed by the function that lists it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_emulator import TenantState
from graph_emulator.resources.access_reviews import handlers as review_perms
from graph_emulator.resources.directory_objects import permissions as perms
from scripts.story import ADA, JOHN, StoryFailed
from shared.cleanup.round import RoundOutcome, clean_up_instance
from shared.errors import GraphFailure
from shared.governance.run import run_pass
from shared.graph.permissions import CLEANUP, GOVERNANCE, OFFBOARDING, ONBOARDING, SPONSORS
from shared.queue.message import CleanupMessage
from shared.state import StateStore
from shared.worker import Worker
from tests.emulator.access_review_fixtures import add_guest
from tests.reliability import figures
from tests.reliability.pii import Sensitive
from tests.reliability.stack import FunctionFailed, app_stack, watch
from tests.shared.cleanup.fixtures import FEELGOOD, NO_GUARD, cleanup_deps, finished_round, guests
from tests.shared.conftest import FAST_RETRIES, MEGAN, guest
from tests.shared.governance.fixtures import invited_guest

ROOT = Path(__file__).resolve().parents[2]
SPONSOR_ONLY = "only when requests name a sponsor"


def readme_rows() -> list[tuple[tuple[str, ...], str]]:
    """``(permissions, used for)`` per row of README's permission table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Graph permissions", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        names, used = line[1:].split("|", 1)
        rows.append((tuple(re.findall(r"`([A-Za-z]+(?:\.[A-Za-z]+)+)`", names)), used.strip(" |")))
    return rows


NAMED = "cleanup|governance|offboarding"  # the functions a row names; a row naming none is onboarding's
LEAD = re.compile(rf"^(?:(?:{NAMED})(?:, | and )?)+:")


def functions_of(used: str) -> set[str]:
    """Which functions a row serves: those its lead names ("cleanup, governance and offboarding:"),
    else onboarding; plus those named after onboarding's calls ("...; cleanup: ...")."""
    text = used.casefold()
    if SPONSOR_ONLY in text:
        return {"sponsors"}
    lead = LEAD.match(text)
    named = set(re.findall(NAMED, lead.group())) if lead else {"onboarding"}
    return named | set(re.findall(rf";\s*({NAMED}):", text))


def roles_by_function() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for names, used in readme_rows():
        for function in functions_of(used):
            found.setdefault(function, set()).update(names)
    return found


STORY_PEOPLE = (JOHN.name, JOHN.email, ADA.name, ADA.email)  # their logs are scanned for these
README_ROLES = sorted({name for names, _ in readme_rows() for name in names})
BY_FUNCTION = roles_by_function()
STEP_FUNCTION = {"HR webhook": "onboarding", "governance run": "governance", "the queue function": "cleanup"}
HOST_FUNCTION = {
    "onboard_guest": "onboarding",
    "onboard_guests": "onboarding",
    "governance_run": "governance",
    "clean_up_review_round": "cleanup",
}


def test_the_readme_lists_what_each_function_needs() -> None:
    assert len(README_ROLES) >= 8, README_ROLES
    assert BY_FUNCTION["onboarding"] == set(ONBOARDING)
    assert BY_FUNCTION["sponsors"] == set(SPONSORS)
    assert BY_FUNCTION["governance"] == set(GOVERNANCE)
    assert BY_FUNCTION["offboarding"] == set(OFFBOARDING)
    assert set(CLEANUP) <= BY_FUNCTION["cleanup"]
    assert set(README_ROLES) == set().union(*BY_FUNCTION.values())


async def test_the_demo_story_passes_with_exactly_the_readme_list(
    storage_connection_string: str, monkeypatch: pytest.MonkeyPatch, sensitive: Sensitive
) -> None:
    sensitive.add(*STORY_PEOPLE)
    async with app_stack(storage_connection_string, README_ROLES, monkeypatch) as stack:
        report = await watch(stack)
        granted = stack.state.tokens._tokens.values()
    assert {frozenset(t.roles) for t in granted} == {frozenset(README_ROLES)}  # the app's token
    john, ada = report.guests
    assert (john.enabled, john.groups_now) == (False, ())  # denied: removed and disabled
    assert ada.enabled
    assert len(ada.groups_now) == 2
    assert report.cleanup_failed == 0
    figures.record(
        "least privilege",
        readme_permissions=len(README_ROLES),
        story_steps=len(report.steps),
        story_s=round(report.seconds, 1),
        story_graph_round_trips=report.graph.round_trips,
        story_graph_writes=report.graph.writes,
    )


def failed_function(exc: BaseException) -> tuple[str, bool]:
    """The function a failed story run stopped in, and whether Graph's 403 was the cause."""
    if isinstance(exc, FunctionFailed):
        error = exc.error
        return HOST_FUNCTION[exc.function], isinstance(error, GraphFailure) and error.status == 403
    assert isinstance(exc, StoryFailed)
    function = next((f for prefix, f in STEP_FUNCTION.items() if exc.step.startswith(prefix)), exc.step)
    return function, any(mark in exc.message for mark in FORBIDDEN_MARKS)


# How a 403 reaches the HR system: 502 graph-request-failed ("403 Authorization_RequestDenied"), or
# 502 onboarding-incomplete naming the write Graph refused.
FORBIDDEN_MARKS = ("(403 Authorization_RequestDenied)", '"error":"Authorization_RequestDenied"')
# Other permissions Graph accepts for the operations a row is for (the emulator's tables): with one
# identity holding the whole list, these stand in for the row.
COVERS: dict[str, set[str]] = {
    "User.Invite.All": set(perms.INVITE),
    "AccessReview.Read.All": set(review_perms.READ),
    "User.DeleteRestore.All": set(perms.USER_DELETE_RESTORE),
    "User.EnableDisableAccount.All": set(perms.USER_UPDATE),
}
# Operations the demo story never makes (it has no grace period), by the row that grants them.
NOT_IN_STORY = {"User.DeleteRestore.All": "DELETE /v1.0/users/{user_id}"}


@pytest.mark.parametrize("missing", README_ROLES)
async def test_the_demo_story_without_each_permission(
    missing: str, storage_connection_string: str, monkeypatch: pytest.MonkeyPatch, sensitive: Sensitive
) -> None:
    sensitive.add(*STORY_PEOPLE)
    roles = [r for r in README_ROLES if r != missing]
    failure: FunctionFailed | StoryFailed | None = None
    async with app_stack(storage_connection_string, roles, monkeypatch) as stack:
        try:
            await watch(stack)
        except (FunctionFailed, StoryFailed) as exc:
            failure = exc
        operations = stack.state.requests.summary()["operationsByRoute"]
    if failure is not None:
        function, forbidden = failed_function(failure)
        assert forbidden, failure  # the story stopped on Graph's 403, not on anything else
        users = {f for f, names in BY_FUNCTION.items() if missing in names}
        assert function in users | ({"onboarding"} if "sponsors" in users else set())
        figures.record("least privilege: story without", **{missing: f"fails in {function} (403)"})
        return
    covering = sorted(set(roles) & (COVERS.get(missing, set()) - {missing}))
    unused = missing in NOT_IN_STORY and not any(NOT_IN_STORY[missing] in key for key in operations)
    assert covering or unused, f"the story passed without {missing}: nothing in the list covers it"
    why = f"covered by {', '.join(covering)}" if covering else f"story never calls {NOT_IN_STORY[missing]}"
    if covering and unused:
        why += f"; the story never calls {NOT_IN_STORY[missing]}"
    figures.record("least privilege: story without", **{missing: f"passes ({why})"})


# -- each function on its own rows ----------------------------------------------------------------

Check = Callable[..., Any]


async def onboarding_works(
    worker: Worker, post: Any, make_graph: Any, roles: set[str], function: str, **_: Any
) -> None:
    worker.graph = make_graph(roles=sorted(roles))
    sponsor = {"sponsor": MEGAN} if function == "sponsors" else {}
    reply = await post(guest("lp.guest@fabrikam.com", **sponsor))
    if reply.status != 201:
        raise Refused(reply.status, reply.raw.decode())


async def governance_works(
    worker: Worker, make_graph: Any, emulator_state: TenantState, roles: set[str], **_: Any
) -> None:
    """A pass with every step at work: the definition, a grace deletion, a reminder, an expiry."""
    now = emulator_state.clock.now()
    leaver = add_guest(emulator_state, "Gracefield")
    leaver.account_enabled = False
    await worker.store.disabled.record_disabled(leaver.id, instance_id="round-1", at=now - timedelta(days=31))
    late = await invited_guest(emulator_state, worker.store, "lp.late@fabrikam.com", days_ago=8)
    gone = await invited_guest(emulator_state, worker.store, "lp.gone@fabrikam.com", days_ago=31)
    governance = replace(worker.settings.governance, remind_after_days=7, expire_after_days=30)
    worker.settings = replace(worker.settings, governance=governance)
    worker.graph = make_graph(roles=sorted(roles))
    worker.queue, worker.clock = NoQueue(), emulator_state.clock.now
    report = await run_pass(worker.governance())
    assert report.definition.outcome.value == "created"
    assert report.grace.deleted == (leaver.id,)
    assert (report.invitations.reminded, report.invitations.expired) == ((late.id,), (gone.id,))


async def cleanup_works(
    worker: Worker,
    make_graph: Any,
    emulator_state: TenantState,
    raw_client: httpx.AsyncClient,
    roles: set[str],
    **_: Any,
) -> None:
    (denied,) = guests(emulator_state, 1, [FEELGOOD])
    review = await finished_round(worker.graph, raw_client, {FEELGOOD: {denied.id: "Deny"}}, auto_apply=False)
    message: CleanupMessage = review.message(FEELGOOD)
    graph = make_graph(roles=sorted(roles))
    result = await clean_up_instance(
        cleanup_deps(graph, worker.store, NO_GUARD, now=NOW, retry=FAST_RETRIES), message
    )
    assert result.outcome is RoundOutcome.DONE
    assert result.actions["disable-account:disabled"] == 1


async def offboarding_works(
    worker: Worker, offboard: Any, make_graph: Any, emulator_state: TenantState, roles: set[str], **_: Any
) -> None:
    leaver = add_guest(emulator_state, "Leaverton", groups=(FEELGOOD,))
    worker.graph = make_graph(roles=sorted(roles))
    reply = await offboard({"email": leaver.mail})
    if reply.status != 200:
        raise Refused(reply.status, reply.raw.decode())
    assert reply.json["account"] == "disabled"


class Refused(Exception):
    """The onboarding (offboarding) function answered something else than 201 (200)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


class NoQueue:
    """The cleanup queue of a pass that finds no finished round."""

    async def send(self, message: CleanupMessage) -> None:
        raise AssertionError("nothing to enqueue")


NOW = datetime(2026, 1, 20, 12, tzinfo=UTC)
CHECKS: dict[str, Check] = {
    "onboarding": onboarding_works,
    "sponsors": onboarding_works,
    "governance": governance_works,
    "cleanup": cleanup_works,
    "offboarding": offboarding_works,
}


def function_roles(function: str) -> set[str]:
    """The rows a function holds: the sponsor row comes on top of onboarding's."""
    return BY_FUNCTION[function] | (BY_FUNCTION["onboarding"] if function == "sponsors" else set())


CASES = [(f, None) for f in sorted(BY_FUNCTION)] + [
    (f, p) for f in sorted(BY_FUNCTION) for p in sorted(BY_FUNCTION[f])
]


@pytest.mark.parametrize(("function", "missing"), CASES, ids=lambda v: v or "all")
async def test_each_function_needs_each_of_its_rows(
    function: str,
    missing: str | None,
    worker: Worker,
    post: Any,
    offboard: Any,
    make_graph: Any,
    emulator_state: TenantState,
    raw_client: httpx.AsyncClient,
    store: StateStore,
) -> None:
    roles = function_roles(function) - {missing}
    check = CHECKS[function]
    kwargs = {
        "post": post,
        "offboard": offboard,
        "make_graph": make_graph,
        "emulator_state": emulator_state,
        "raw_client": raw_client,
    }
    if missing is None:
        await check(worker, roles=roles, function=function, **kwargs)
        return
    with pytest.raises((GraphFailure, Refused)) as failure:
        await check(worker, roles=roles, function=function, **kwargs)
    error = failure.value
    if isinstance(error, Refused):  # the HTTP functions answer 502 with Graph's 403 in their problem
        assert error.status == 502
        assert any(mark in error.body for mark in FORBIDDEN_MARKS), error.body
    else:
        assert isinstance(error, GraphFailure)
        assert error.status == 403
    figures.record(f"least privilege: {function} without", **{missing: "403"})
