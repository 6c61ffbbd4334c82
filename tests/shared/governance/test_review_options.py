"""The review options on the emulator through the SDK: the shape each one creates, the rounds it
produces, and how each is kept in place (a PUT where Graph allows one, otherwise a new series).

Built from the create page's examples: example 2 ("Create an access review on all teams with
inactive guest users") for the inactive-users scope and the Teams enumeration, example 4 ("Create
an access review on a group with multiple stages") for stageSettings:
https://learn.microsoft.com/graph/api/accessreviewset-post-definitions?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/resources/accessreviewinactiveusersqueryscope?view=graph-rest-1.0
https://learn.microsoft.com/graph/api/resources/accessreviewstagesettings?view=graph-rest-1.0
Sponsors: v1.0 documents the reviewer scope type ``sponsor`` and no query; ``./sponsors`` follows
the documented ``./manager`` form (docs/governance.md):
https://learn.microsoft.com/graph/api/resources/accessreviewreviewerscope?view=graph-rest-1.0
https://learn.microsoft.com/graph/accessreviews-reviewers-concept
What a PUT may change: https://learn.microsoft.com/graph/api/accessreviewscheduledefinition-update?view=graph-rest-1.0
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import httpx
import pytest

from graph_emulator import TenantState
from graph_emulator.resources.access_reviews.backend import backend_of
from shared.governance.definition import GUEST_SCOPE_QUERY, ReviewPolicy, to_json
from shared.governance.drift import drift
from shared.governance.ensure import EnsureResult, Outcome, desired_definition, ensure_definition
from tests.emulator.access_review_fixtures import FEELGOOD, RETAIL, SALES, add_group, add_guest
from tests.emulator.directory_helpers import ALEX, ISAIAH
from tests.shared.governance.fixtures import definitions, get_definition, put_definition

TODAY = dt.date(2026, 1, 5)  # the emulator clock's day; a series starting today opens its round now
FALLBACK = "c9a5aff7-9298-4d71-adab-0a222e0a05e4"  # the seed's administrator
NOW_POLICY = ReviewPolicy(start_date=TODAY, justification_required=False)
SPONSORS = replace(NOW_POLICY, reviewers="sponsors")
TWO_STAGES = replace(SPONSORS, stages=2)
# Example 2's enumeration as its response shows it (its request has a stray quote); Guestkeeper
# sends it in the '+'-for-space form of its all-groups query.
TEAMS = (
    "/groups?$filter=(groupTypes/any(c:c+eq+'Unified') and resourceProvisioningOptions/Any(x:x eq 'Team'))"
    "&$count=true"
)
FIND = "GET /v1.0/identityGovernance/accessReviews/definitions"
ITEM = "/v1.0/identityGovernance/accessReviews/definitions/{definition_id}"


def ident(result: EnsureResult) -> str:
    assert result.definition_id is not None
    return result.definition_id


async def ensure(graph: Any, state: TenantState, policy: ReviewPolicy) -> EnsureResult:
    state.requests.clear()
    return await ensure_definition(graph, policy, today=state.clock.now().date())


def routes(state: TenantState) -> dict[str, int]:
    return dict(state.requests.summary()["byRoute"])


def reviewed_groups(state: TenantState, definition_id: str) -> dict[str, set[str]]:
    """Group id -> the principals its round reviews, straight from the emulator."""
    return {
        str(i.group_id): {d.principal_id for d in i.decisions.values()}
        for i in backend_of(state).instances.values()
        if i.definition_id == definition_id
    }


async def reviewer_of(raw: httpx.AsyncClient, group_id: str, guest_id: str, decision: str) -> str:
    """Record a decision as the reviewer the round gave the guest; that reviewer's name."""
    body = {"groupId": group_id, "principalId": guest_id, "decision": decision, "justification": "checked"}
    response = await raw.post("/_emulator/accessReviews/decisions", json=body)
    assert response.status_code == 200, response.text
    name: str = response.json()["value"][0]["reviewedBy"]["displayName"]
    return name


async def assert_kept_with_one_request(
    graph: Any, state: TenantState, policy: ReviewPolicy, ident: str
) -> None:
    """What Graph echoes matches the desired definition: the next pass only lists."""
    again = await ensure(graph, state, policy)
    assert (again.outcome, again.definition_id) == (Outcome.UNCHANGED, ident)
    assert routes(state) == {FIND: 1}


# -- inactive guests -------------------------------------------------------------------------------


async def test_inactive_guests_only_reviews_those_inactive_at_the_rounds_start(graph, emulator_state) -> None:
    """REVIEW_INACTIVE_DAYS=90: example 2's accessReviewInactiveUsersQueryScope with P90D; a guest
    who signed in within the window gets no decision item, one who never did (or long ago) does."""
    now = emulator_state.clock.now()
    active = add_guest(emulator_state, "Active", groups=(FEELGOOD,), last_sign_in=now - dt.timedelta(days=10))
    idle = add_guest(emulator_state, "Idle", groups=(FEELGOOD,), last_sign_in=now - dt.timedelta(days=120))
    never = add_guest(emulator_state, "Never", groups=(FEELGOOD,))
    policy = replace(NOW_POLICY, inactive_days=90)

    created = await ensure(graph, emulator_state, policy)
    assert created.outcome is Outcome.CREATED
    scope = (await get_definition(graph, ident(created)))["scope"]
    assert scope == {
        "@odata.type": "#microsoft.graph.accessReviewInactiveUsersQueryScope",
        "query": GUEST_SCOPE_QUERY,  # example 2's answer shows this query
        "queryType": "MicrosoftGraph",
        "queryRoot": None,
        "inactiveDuration": "P90D",  # ISO 8601, as example 2 sends P30D
    }
    assert reviewed_groups(emulator_state, ident(created)) == {FEELGOOD: {idle.id, never.id}}
    assert active.id not in reviewed_groups(emulator_state, ident(created))[FEELGOOD]
    # Graph's $filter never matches an inactive-users scope; the unfiltered list still finds it
    await assert_kept_with_one_request(graph, emulator_state, policy, ident(created))


@pytest.mark.parametrize(
    ("before", "after"),
    [(None, 90), (90, 60), (90, None)],
    ids=["switched-on", "window-changed", "switched-off"],
)
async def test_changing_the_inactivity_window_starts_a_new_series(
    graph, emulator_state, before: int | None, after: int | None
) -> None:
    """Graph does not update a scope: the running series is ended (PUT with an end date, its round
    finishes) and a new one starts on the next cadence date, found again by the next pass."""
    add_guest(emulator_state, "Idle", groups=(FEELGOOD,))
    first = await ensure(graph, emulator_state, replace(NOW_POLICY, inactive_days=before))
    emulator_state.clock.advance(dt.timedelta(days=1))  # the first round is running
    changed = replace(NOW_POLICY, inactive_days=after)
    result = await ensure(graph, emulator_state, changed)
    assert (result.outcome, result.drifted) == (Outcome.RECREATED, ("scope",))
    assert [s.id for s in result.previous] == [first.definition_id]
    old = definitions(emulator_state)[ident(first)]["settings"]["recurrence"]["range"]
    assert (old["type"], old["endDate"]) == ("endDate", "2026-01-06")
    assert routes(emulator_state) == {FIND: 1, f"PUT {ITEM}": 1, f"POST {FIND.removeprefix('GET ')}": 1}
    new = definitions(emulator_state)[ident(result)]
    assert new["scope"].get("inactiveDuration") == (f"P{after}D" if after else None)
    assert new["settings"]["recurrence"]["range"]["startDate"] == "2026-04-05"  # not a second round now
    await assert_kept_with_one_request(graph, emulator_state, changed, ident(result))


# -- Teams only ------------------------------------------------------------------------------------


async def test_teams_only_reviews_the_groups_that_have_a_team(graph, emulator_state) -> None:
    """REVIEW_TEAMS_ONLY=true: example 2's enumeration; Feelgood (no team) is left out, a team with
    a guest gets its round; excluded groups keep the documented ``id ne`` clauses beside it."""
    team = add_group(emulator_state, "Project Falcon", owners=(ALEX,), team=True)
    in_team = add_guest(emulator_state, "Teammate", groups=(team.id, FEELGOOD))
    policy = replace(NOW_POLICY, teams_only=True)

    created = await ensure(graph, emulator_state, policy)
    stored = (await get_definition(graph, ident(created)))["instanceEnumerationScope"]["query"]
    assert stored.replace(" ", "+") == TEAMS.replace(" ", "+")
    assert reviewed_groups(emulator_state, ident(created)) == {team.id: {in_team.id}}
    await assert_kept_with_one_request(graph, emulator_state, policy, ident(created))

    narrower = replace(policy, excluded_group_ids=(SALES,))
    result = await ensure(graph, emulator_state, narrower)
    assert (result.outcome, result.drifted) == (Outcome.RECREATED, ("instanceEnumerationScope",))
    query = definitions(emulator_state)[ident(result)]["instanceEnumerationScope"]["query"]
    assert query == TEAMS.replace(" ", "+").replace("'Team'))", f"'Team')+and+id+ne+'{SALES}')")


async def test_switching_teams_only_off_starts_a_new_series(graph, emulator_state) -> None:
    first = await ensure(graph, emulator_state, replace(NOW_POLICY, teams_only=True))
    result = await ensure(graph, emulator_state, NOW_POLICY)
    assert (result.outcome, result.drifted) == (Outcome.RECREATED, ("instanceEnumerationScope",))
    assert first.definition_id in definitions(emulator_state)  # ended, not deleted: its round started


# -- sponsors as reviewers -------------------------------------------------------------------------


async def test_sponsors_review_their_guests_and_owners_those_without_one(
    graph, raw_client, emulator_state
) -> None:
    """REVIEW_REVIEWERS=sponsors: ./sponsors (scopeType sponsor, queryRoot decisions); the group's
    owners, then the configured fallback reviewers, for a guest without a sponsor."""
    sponsored = add_guest(emulator_state, "Sponsored", groups=(FEELGOOD,), sponsors=(ALEX,))
    unsponsored = add_guest(emulator_state, "Unsponsored", groups=(FEELGOOD,))
    policy = replace(SPONSORS, fallback_reviewers=())

    created = await ensure(graph, emulator_state, policy)
    stored = await get_definition(graph, ident(created))
    assert stored["reviewers"] == [
        {
            "query": "./sponsors",
            "queryType": "MicrosoftGraph",
            "queryRoot": "decisions",
            "scopeType": "sponsor",
        }
    ]
    assert [r["query"] for r in stored["fallbackReviewers"]] == ["./owners"]
    assert await reviewer_of(raw_client, FEELGOOD, sponsored.id, "Approve") == "Alex Wilber"
    assert await reviewer_of(raw_client, FEELGOOD, unsponsored.id, "Deny") == "Megan Bowen"  # the owner
    await assert_kept_with_one_request(graph, emulator_state, policy, ident(created))


async def test_switching_to_sponsors_starts_a_new_series(graph, emulator_state) -> None:
    """Graph lets a PUT change reviewers only when they are individual users: ./owners -> ./sponsors
    is a new series (and back)."""
    first = await ensure(graph, emulator_state, NOW_POLICY)
    result = await ensure(graph, emulator_state, SPONSORS)
    assert result.outcome is Outcome.RECREATED
    assert result.drifted == ("fallbackReviewers", "reviewers")
    assert [s.id for s in result.previous] == [first.definition_id]
    back = await ensure(graph, emulator_state, NOW_POLICY)
    assert (back.outcome, back.drifted) == (Outcome.RECREATED, ("fallbackReviewers", "reviewers"))


async def test_a_fallback_reviewer_removed_in_graph_is_put_back(graph, emulator_state) -> None:
    """The fallback list (owners first, then REVIEW_FALLBACK_REVIEWERS) is PUT-able."""
    policy = replace(SPONSORS, fallback_reviewers=ReviewPolicy().fallback_reviewers)
    created = await ensure(graph, emulator_state, policy)
    edited = await get_definition(graph, ident(created))
    edited["fallbackReviewers"] = [{"query": f"/users/{FALLBACK}", "queryType": "MicrosoftGraph"}]
    await put_definition(graph, ident(created), edited)

    repaired = await ensure(graph, emulator_state, policy)
    assert (repaired.outcome, repaired.drifted) == (Outcome.UPDATED, ("fallbackReviewers",))
    assert routes(emulator_state) == {FIND: 1, f"PUT {ITEM}": 1}
    stored = definitions(emulator_state)[ident(created)]
    assert [r["query"] for r in stored["fallbackReviewers"]] == ["./owners"]
    assert stored["reviewers"][0]["query"] == "./sponsors"  # kept by the PUT


# -- two stages ------------------------------------------------------------------------------------


async def test_two_stages_sponsors_then_owners_as_example_4(graph, emulator_state) -> None:
    """REVIEW_STAGES=2: example 4's stageSettings with sponsors in stage 1 (Approve and NotReviewed
    move on) and owners in stage 2; no top-level reviewers; instanceDurationInDays the stages' total
    (it is overridden by them anyway). The echo matches the desired definition."""
    add_guest(emulator_state, "Sponsored", groups=(FEELGOOD,), sponsors=(ALEX,))
    policy = replace(TWO_STAGES, stage_days=(5, 9))
    created = await ensure(graph, emulator_state, policy)
    stored = await get_definition(graph, ident(created))
    first, second = stored["stageSettings"]
    assert (first["stageId"], first["dependsOn"], first["durationInDays"]) == ("1", [], 5)
    assert first["decisionsThatWillMoveToNextStage"] == ["Approve", "NotReviewed"]
    assert [(r["query"], r.get("scopeType")) for r in first["reviewers"]] == [("./sponsors", "sponsor")]
    assert [r["query"] for r in first["fallbackReviewers"]] == ["./owners"]
    assert (second["stageId"], second["dependsOn"], second["durationInDays"]) == ("2", ["1"], 9)
    assert [r["query"] for r in second["reviewers"]] == ["./owners"]
    assert stored["reviewers"] == []
    assert stored["settings"]["instanceDurationInDays"] == 14
    [instance] = [
        i for i in backend_of(emulator_state).instances.values() if i.definition_id == ident(created)
    ]
    assert instance.end - instance.start == dt.timedelta(days=14)
    assert [s.settings["stageId"] for s in instance.stages] == ["1"]  # the sponsors' stage is open
    assert drift(to_json(desired_definition(policy, TODAY, None)), stored, compare_start=True) == []
    await assert_kept_with_one_request(graph, emulator_state, policy, ident(created))


async def test_a_stage_reviewer_changed_in_graph_is_put_back(graph, emulator_state) -> None:
    """Stage reviewers are the one part of stageSettings a PUT may change."""
    created = await ensure(graph, emulator_state, TWO_STAGES)
    edited = await get_definition(graph, ident(created))
    edited["stageSettings"][1]["fallbackReviewers"] = [
        {"query": f"/users/{ISAIAH}", "queryType": "MicrosoftGraph"}
    ]
    await put_definition(graph, ident(created), edited)

    repaired = await ensure(graph, emulator_state, TWO_STAGES)
    assert (repaired.outcome, repaired.drifted) == (Outcome.UPDATED, ("stageSettings.reviewers",))
    assert routes(emulator_state) == {FIND: 1, f"PUT {ITEM}": 1}
    assert definitions(emulator_state)[ident(created)]["stageSettings"][1]["fallbackReviewers"] == []


@pytest.mark.parametrize(
    ("before", "after", "drifted"),
    [
        (
            SPONSORS,
            TWO_STAGES,
            {"fallbackReviewers", "reviewers", "stageSettings", "stageSettings.reviewers"},
        ),
        (
            TWO_STAGES,
            SPONSORS,
            {"fallbackReviewers", "reviewers", "stageSettings", "stageSettings.reviewers"},
        ),
        (
            TWO_STAGES,
            replace(TWO_STAGES, stage_days=(3, 7)),
            {"stageSettings", "settings.instanceDurationInDays"},
        ),
    ],
    ids=["one-to-two", "two-to-one", "durations"],
)
async def test_changing_the_stages_starts_a_new_series(
    graph, emulator_state, before: ReviewPolicy, after: ReviewPolicy, drifted: set[str]
) -> None:
    """Graph refuses any other change to the stages (adding a stage included): a new series."""
    first = await ensure(graph, emulator_state, before)
    result = await ensure(graph, emulator_state, after)
    assert (result.outcome, set(result.drifted)) == (Outcome.RECREATED, drifted)
    assert result.error is None
    assert [s.id for s in result.previous] == [first.definition_id]
    await assert_kept_with_one_request(graph, emulator_state, after, ident(result))


async def test_all_options_together(graph, raw_client, emulator_state) -> None:
    """Inactive guests of teams, sponsors then owners: one definition Graph accepts and echoes."""
    team = add_group(emulator_state, "Project Falcon", owners=(ALEX,), team=True)
    idle = add_guest(emulator_state, "Idle", groups=(team.id, RETAIL), sponsors=(ISAIAH,))
    policy = replace(TWO_STAGES, inactive_days=30, teams_only=True)
    created = await ensure(graph, emulator_state, policy)
    assert reviewed_groups(emulator_state, ident(created)) == {team.id: {idle.id}}
    assert await reviewer_of(raw_client, team.id, idle.id, "Approve") == "Isaiah Langer"
    await assert_kept_with_one_request(graph, emulator_state, policy, ident(created))
