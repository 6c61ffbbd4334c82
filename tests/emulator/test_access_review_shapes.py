"""Every property the access-review routes render exists in Graph's schema: parsed with the SDK's
typed models (``AccessReviewScheduleDefinition``, ``AccessReviewInstance``, ``AccessReviewStage``,
``AccessReviewInstanceDecisionItem``, ``AccessReviewReviewer`` and everything inside them),
nothing lands in ``additional_data``. On ``/beta`` only the documented beta extras may:
``backupReviewers`` on definitions, a stage setting's ``recommendationLookBackDuration``, the
legacy ``target`` on decision items, and an instance's query scope without its ``@odata.type``
(the beta tutorial shows it so; its ``query`` and ``queryType`` then parse as unknown properties
of the base ``accessReviewScope``).

The v1.0 SDK's models are generated from Graph v1.0's schema, which is what makes them the check:
https://learn.microsoft.com/graph/api/resources/accessreviewsv2-overview?view=graph-rest-1.0
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
from msgraph.generated.models.access_review_inactive_users_query_scope import (
    AccessReviewInactiveUsersQueryScope,
)
from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.access_review_stage import AccessReviewStage
from msgraph.generated.models.disable_and_delete_user_apply_action import DisableAndDeleteUserApplyAction
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState

from .access_review_fixtures import (
    FALLBACK_REVIEWER,
    FEELGOOD,
    SALES,
    add_guest,
    guest_review,
    sponsors_then_owners,
)
from .directory_helpers import ALEX, bearer

TODAY = date(2026, 1, 5)
BETA_EXTRAS = (
    ".backupReviewers",
    ".recommendationLookBackDuration",
    ".target",
    ".scope.query",
    ".scope.queryType",
)


def invented(value: Any, path: str = "") -> list[str]:
    """Paths of properties the typed models did not know (annotations such as @odata.context aside)."""
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in invented(item, f"{path}[{n}]")]
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return []
    found = [
        f"{path}.{key}" for key in getattr(value, "additional_data", None) or {} if not key.startswith("@")
    ]
    for field in dataclasses.fields(value):
        if field.name != "additional_data":
            found += invented(getattr(value, field.name), f"{path}.{field.name}")
    return found


async def tenant_with_every_shape(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, state: TenantState
) -> GraphServiceClient:
    """Four series (all groups, inactive guests with disable-and-delete, one group, two stages with
    sponsors first), decisions recorded, one round applied, one first stage stopped: every property
    the routes can render has a value somewhere."""
    guest = add_guest(state, "Shape", groups=(FEELGOOD, SALES), sponsors=(ALEX,))
    definitions = graph.identity_governance.access_reviews.definitions
    await definitions.post(guest_review(start=TODAY, look_back="P30D"))
    inactive = guest_review(
        start=TODAY, name="Inactive guests", apply_actions=[DisableAndDeleteUserApplyAction()]
    )
    inactive.scope = AccessReviewInactiveUsersQueryScope(
        query="./members/microsoft.graph.user/?$filter=(userType eq 'Guest')",
        query_type="MicrosoftGraph",
        inactive_duration="P30D",  # type: ignore[arg-type]  # ISO text, as Graph wants
    )
    await definitions.post(inactive)
    one_group = guest_review(start=TODAY, name="One group")
    one_group.scope = AccessReviewQueryScope(
        query=f"/groups/{SALES}/transitiveMembers", query_type="MicrosoftGraph"
    )
    one_group.instance_enumeration_scope = None
    one_group.reviewers = [
        AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")
    ]
    await definitions.post(one_group)
    staged = sponsors_then_owners(start=TODAY, name="Two stages")
    (staged.stage_settings or [])[0].additional_data = {"recommendationLookBackDuration": "P14D"}
    two_stages = await definitions.post(staged)
    assert two_stages is not None
    listed = (await raw_client.get("/_emulator/accessReviews/instances")).json()["value"]
    staged_round = next(i for i in listed if i["definitionId"] == two_stages.id and i["groupId"] == FEELGOOD)
    await (
        definitions.by_access_review_schedule_definition_id(two_stages.id or "")
        .instances.by_access_review_instance_id(staged_round["id"])
        .stages.by_access_review_stage_id(staged_round["stages"][0]["id"])
        .stop.post()
    )
    await raw_client.post(
        "/_emulator/accessReviews/decisions",
        json={"groupId": FEELGOOD, "principalId": guest.id, "decision": "Deny"},
    )
    listed = (await raw_client.get("/_emulator/accessReviews/instances")).json()["value"]
    first = next(i for i in listed if i["groupId"] == FEELGOOD)  # auto-apply: stopped means applied
    await (
        definitions.by_access_review_schedule_definition_id(first["definitionId"])
        .instances.by_access_review_instance_id(first["id"])
        .stop.post()
    )
    return graph


Route = Callable[[GraphServiceClient], Awaitable[list[Any]]]


async def _definitions(graph: GraphServiceClient) -> list[Any]:
    page = await graph.identity_governance.access_reviews.definitions.get()
    assert page is not None
    return [page]


async def _each_definition(graph: GraphServiceClient) -> list[Any]:
    builder = graph.identity_governance.access_reviews.definitions
    page = await builder.get()
    assert page is not None
    return [await builder.by_access_review_schedule_definition_id(d.id or "").get() for d in page.value or []]


async def _instance_builders(graph: GraphServiceClient) -> list[Any]:
    builder = graph.identity_governance.access_reviews.definitions
    page = await builder.get()
    assert page is not None
    found = []
    for definition in page.value or []:
        instances = builder.by_access_review_schedule_definition_id(definition.id or "").instances
        listed = await instances.get()
        assert listed is not None
        found += [instances.by_access_review_instance_id(i.id or "") for i in listed.value or []]
    return found


async def _instances(graph: GraphServiceClient) -> list[Any]:
    builder = graph.identity_governance.access_reviews.definitions
    page = await builder.get()
    assert page is not None
    return [
        await builder.by_access_review_schedule_definition_id(d.id or "").instances.get()
        for d in page.value or []
    ]


async def _each_instance(graph: GraphServiceClient) -> list[Any]:
    return [await b.get() for b in await _instance_builders(graph)]


async def _decisions(graph: GraphServiceClient) -> list[Any]:
    return [await b.decisions.get() for b in await _instance_builders(graph)]


async def _each_decision(graph: GraphServiceClient) -> list[Any]:
    found = []
    for instance in await _instance_builders(graph):
        page = await instance.decisions.get()
        assert page is not None
        found += [
            await instance.decisions.by_access_review_instance_decision_item_id(d.id or "").get()
            for d in page.value or []
        ]
    return found


async def _contacted_reviewers(graph: GraphServiceClient) -> list[Any]:
    return [await b.contacted_reviewers.get() for b in await _instance_builders(graph)]


async def _stage_builders(graph: GraphServiceClient) -> list[Any]:
    found = []
    for instance in await _instance_builders(graph):
        page = await instance.stages.get()
        assert page is not None
        found += [instance.stages.by_access_review_stage_id(s.id or "") for s in page.value or []]
    return found


async def _stages(graph: GraphServiceClient) -> list[Any]:
    return [await b.stages.get() for b in await _instance_builders(graph)]


async def _each_stage(graph: GraphServiceClient) -> list[Any]:
    return [await b.get() for b in await _stage_builders(graph)]


async def _stage_decisions(graph: GraphServiceClient) -> list[Any]:
    return [await b.decisions.get() for b in await _stage_builders(graph)]


async def _each_stage_decision(graph: GraphServiceClient) -> list[Any]:
    found = []
    for stage in await _stage_builders(graph):
        page = await stage.decisions.get()
        assert page is not None
        found += [
            await stage.decisions.by_access_review_instance_decision_item_id(d.id or "").get()
            for d in page.value or []
        ]
    return found


async def _update_stage(graph: GraphServiceClient) -> list[Any]:
    updated = []
    for stage in await _stage_builders(graph):
        current = await stage.get()
        if current is not None and current.status == "InProgress":
            updated.append(await stage.patch(AccessReviewStage(reviewers=current.reviewers)))
    return updated


async def _create(graph: GraphServiceClient) -> list[Any]:
    return [
        await graph.identity_governance.access_reviews.definitions.post(guest_review(start=TODAY, name="New"))
    ]


ROUTES: dict[str, Route] = {  # the POST last: its series would only add more of the same to the reads
    "GET definitions": _definitions,
    "GET definitions/{id}": _each_definition,
    "GET .../instances": _instances,
    "GET .../instances/{id}": _each_instance,
    "GET .../decisions": _decisions,
    "GET .../decisions/{id}": _each_decision,
    "GET .../contactedReviewers": _contacted_reviewers,
    "GET .../stages": _stages,
    "GET .../stages/{id}": _each_stage,
    "GET .../stages/{id}/decisions": _stage_decisions,
    "GET .../stages/{id}/decisions/{id}": _each_stage_decision,
    "PATCH .../stages/{id}": _update_stage,
    "POST definitions": _create,
}


async def unknown_by_route(graph: GraphServiceClient) -> dict[str, list[str]]:
    """Each route's answers, parsed by the SDK, and the properties its models did not know."""
    found: dict[str, list[str]] = {}
    for name, route in ROUTES.items():
        answers = await route(graph)
        assert answers, name
        assert all(answer is not None for answer in answers), name
        found[name] = invented(answers)
    return found


async def test_v1_renders_only_properties_of_the_v1_schema(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    await tenant_with_every_shape(graph, raw_client, emulator_state)
    assert await unknown_by_route(graph) == {name: [] for name in ROUTES}


async def test_beta_adds_only_its_documented_extras(
    graph: GraphServiceClient, make_graph, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    await tenant_with_every_shape(graph, raw_client, emulator_state)
    found = await unknown_by_route(make_graph(base_url="http://127.0.0.1/beta"))
    assert {name: [p for p in paths if not p.endswith(BETA_EXTRAS)] for name, paths in found.items()} == {
        name: [] for name in ROUTES
    }
    assert any(p.endswith(".backupReviewers") for p in found["GET definitions"])  # the extras do appear
    assert any(
        p.endswith(".stage_settings[0].recommendationLookBackDuration") for p in found["GET definitions"]
    )
    assert any(p.endswith(".target") for p in found["GET .../decisions"])
    assert any(p.endswith(".target") for p in found["GET .../stages/{id}/decisions"])


async def test_every_list_answers_as_its_documented_example(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    """@odata.context, @odata.count and value, unasked, as the examples of the list pages show:
    https://learn.microsoft.com/graph/api/accessreviewset-list-definitions?view=graph-rest-1.0
    https://learn.microsoft.com/graph/api/accessreviewscheduledefinition-list-instances?view=graph-rest-1.0
    https://learn.microsoft.com/graph/api/accessreviewinstance-list-decisions?view=graph-rest-1.0
    https://learn.microsoft.com/graph/api/accessreviewinstance-list-contactedreviewers?view=graph-rest-1.0
    https://learn.microsoft.com/graph/api/accessreviewinstance-list-stages?view=graph-rest-1.0
    https://learn.microsoft.com/graph/api/accessreviewstage-list-decisions?view=graph-rest-1.0
    """
    await tenant_with_every_shape(graph, raw_client, emulator_state)
    headers = await bearer(raw_client, ["AccessReview.Read.All"])
    listed = (await raw_client.get("/_emulator/accessReviews/instances")).json()["value"]
    definitions = "identityGovernance/accessReviews/definitions"
    instance = f"{definitions}/{listed[0]['definitionId']}/instances/{listed[0]['id']}"
    paths = [definitions, f"{definitions}/{listed[0]['definitionId']}/instances"]
    paths += [f"{instance}/decisions", f"{instance}/contactedReviewers"]
    staged = next(i for i in listed if i["stages"])
    stages = f"{definitions}/{staged['definitionId']}/instances/{staged['id']}/stages"
    paths += [stages, f"{stages}/{staged['stages'][0]['id']}/decisions"]
    for path in paths:
        body = (await raw_client.get(f"/v1.0/{path}", headers=headers)).json()
        assert sorted(body) == ["@odata.context", "@odata.count", "value"], path
        assert body["@odata.count"] == len(body["value"]) > 0, path
