"""Access-review schedule definitions through the real msgraph-sdk: create, list, get, PUT, DELETE."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
from msgraph.generated.models.access_review_schedule_settings import AccessReviewScheduleSettings
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.graph_service_client import GraphServiceClient

from graph_emulator import TenantState

from .access_review_fixtures import (
    ALL_UNIFIED,
    FALLBACK_REVIEWER,
    FEELGOOD,
    GUEST_SCOPE,
    RETAIL,
    add_guest,
    guest_review,
)
from .directory_helpers import bearer, odata_error

TODAY = date(2026, 1, 5)


def definitions(graph: GraphServiceClient):
    return graph.identity_governance.access_reviews.definitions


async def create(
    graph: GraphServiceClient, body: AccessReviewScheduleDefinition
) -> AccessReviewScheduleDefinition:
    created = await definitions(graph).post(body)
    assert created is not None
    assert created.id
    return created


async def expect_400(graph: GraphServiceClient, body: AccessReviewScheduleDefinition, fragment: str) -> None:
    with pytest.raises(ODataError) as caught:
        await definitions(graph).post(body)
    assert caught.value.response_status_code == 400
    assert caught.value.error is not None
    assert caught.value.error.code == "BadRequest"
    assert fragment in (caught.value.error.message or "")


async def test_create_answers_201_with_server_filled_properties(graph: GraphServiceClient) -> None:
    created = await create(graph, guest_review(start=TODAY))

    assert created.display_name == "Quarterly guest review"
    assert created.status == "NotStarted"  # tutorial: the series reports NotStarted on creation
    assert created.created_date_time is not None
    assert created.created_date_time.isoformat() == "2026-01-05T09:00:00+00:00"
    assert created.created_by is not None
    assert created.created_by.id
    scope = created.scope
    assert isinstance(scope, AccessReviewQueryScope)
    assert scope.query == GUEST_SCOPE
    assert isinstance(created.instance_enumeration_scope, AccessReviewQueryScope)
    assert created.instance_enumeration_scope.query == ALL_UNIFIED
    assert created.fallback_reviewers is not None
    assert created.fallback_reviewers[0].query == f"/users/{FALLBACK_REVIEWER}"
    assert "backupReviewers" not in created.additional_data  # beta only (see the beta test below)
    settings = created.settings
    assert settings is not None
    assert settings.recurrence is not None
    pattern, rng = settings.recurrence.pattern, settings.recurrence.range
    assert pattern is not None
    assert rng is not None
    assert (pattern.type, pattern.interval, pattern.month, pattern.day_of_month) == (
        RecurrencePatternType.AbsoluteMonthly,
        3,
        0,
        0,
    )
    assert pattern.days_of_week == []
    assert pattern.first_day_of_week is not None
    assert (rng.type, rng.start_date, rng.number_of_occurrences, rng.end_date) == (
        RecurrenceRangeType.NoEnd,
        TODAY,
        0,
        None,
    )
    assert settings.auto_apply_decisions_enabled is True
    assert settings.apply_actions is not None
    assert len(settings.apply_actions) == 1


async def test_create_with_datetime_start_date_is_echoed_as_a_date(
    raw_client: httpx.AsyncClient, graph
) -> None:
    authorization = await bearer(raw_client)
    body = {
        "displayName": "Weekly review of one group",
        "scope": {"query": f"/groups/{FEELGOOD}/transitiveMembers", "queryType": "MicrosoftGraph"},
        "reviewers": [{"query": f"/users/{FALLBACK_REVIEWER}", "queryType": "MicrosoftGraph"}],
        "settings": {
            "instanceDurationInDays": 1,
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1},
                "range": {"type": "noEnd", "startDate": "2026-02-02T12:02:30.667Z"},
            },
        },
    }
    response = await raw_client.post(
        "/v1.0/identityGovernance/accessReviews/definitions",
        json=body,
        headers=authorization,
    )
    assert response.status_code == 201
    created = response.json()
    assert created["@odata.context"].endswith("#identityGovernance/accessReviews/definitions/$entity")
    assert created["settings"]["recurrence"]["range"]["startDate"] == "2026-02-02"
    assert created["settings"]["recurrence"]["pattern"] == {
        "type": "weekly",
        "interval": 1,
        "month": 0,
        "dayOfMonth": 0,
        "daysOfWeek": [],
        "firstDayOfWeek": "sunday",
        "index": "first",
    }
    assert created["instanceEnumerationScope"] == {  # the one group, as the get and list examples show
        "@odata.type": "#microsoft.graph.accessReviewQueryScope",
        "query": f"/groups/{FEELGOOD}",
        "queryType": "MicrosoftGraph",
        "queryRoot": None,
    }
    assert created["settings"]["defaultDecision"] == "None"
    assert created["settings"]["autoApplyDecisionsEnabled"] is False
    assert created["settings"]["applyActions"] == []


async def test_v1_prefix_of_enumeration_query_is_dropped(graph: GraphServiceClient) -> None:
    created = await create(graph, guest_review(start=TODAY, enumeration=f"/v1.0{ALL_UNIFIED}"))
    assert isinstance(created.instance_enumeration_scope, AccessReviewQueryScope)
    assert created.instance_enumeration_scope.query == ALL_UNIFIED  # as the v1.0 tutorial shows


async def test_beta_backup_reviewers_fill_fallback_reviewers(raw_client: httpx.AsyncClient, graph) -> None:
    authorization = await bearer(raw_client)
    body = {
        "displayName": "Beta series",
        "scope": {"query": GUEST_SCOPE, "queryType": "MicrosoftGraph"},
        "instanceEnumerationScope": {"query": ALL_UNIFIED, "queryType": "MicrosoftGraph"},
        "reviewers": [{"query": "./owners", "queryType": "MicrosoftGraph", "queryRoot": None}],
        "backupReviewers": [{"query": f"/users/{FALLBACK_REVIEWER}", "queryType": "MicrosoftGraph"}],
        "settings": {
            "recurrence": {
                "pattern": {"type": "absoluteMonthly", "interval": 3},
                "range": {"type": "noEnd", "startDate": "2026-03-01"},
            }
        },
    }
    response = await raw_client.post(
        "/beta/identityGovernance/accessReviews/definitions",
        json=body,
        headers=authorization,
    )
    assert response.status_code == 201
    created = response.json()
    expected = [{"query": f"/users/{FALLBACK_REVIEWER}", "queryType": "MicrosoftGraph", "queryRoot": None}]
    assert created["backupReviewers"] == expected
    assert created["fallbackReviewers"] == expected
    # the same object is served on v1.0
    fetched = await definitions(graph).by_access_review_schedule_definition_id(created["id"]).get()
    assert fetched is not None
    assert fetched.fallback_reviewers is not None
    assert fetched.fallback_reviewers[0].query == f"/users/{FALLBACK_REVIEWER}"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: setattr(d, "display_name", None), "displayName"),
        (lambda d: setattr(d, "scope", None), "scope"),
        (lambda d: setattr(d, "instance_enumeration_scope", None), "instanceEnumerationScope is required"),
        (lambda d: setattr(d.scope, "query", "/users?$filter=userType eq 'Guest'"), "Invalid scope query"),
        (lambda d: setattr(d.scope, "query", "./members/?$filter=(userType eq )"), "Invalid scope query"),
        (lambda d: setattr(d.instance_enumeration_scope, "query", "/users"), "instanceEnumerationScope"),
        (
            lambda d: setattr(d, "reviewers", [AccessReviewReviewerScope(query="./everyone")]),
            "Invalid reviewers query",
        ),
        (
            lambda d: setattr(
                d.settings.recurrence, "pattern", RecurrencePattern(type=RecurrencePatternType.Daily)
            ),
            "only weekly and absoluteMonthly",
        ),
        (
            lambda d: setattr(d.settings.recurrence.range, "type", RecurrenceRangeType.EndDate),
            "endDate is required",
        ),
        (lambda d: setattr(d.settings.recurrence.range, "start_date", None), "startDate is required"),
        (lambda d: setattr(d.settings, "instance_duration_in_days", -1), "instanceDurationInDays"),
        (lambda d: setattr(d.settings, "default_decision", "Maybe"), "defaultDecision"),
        (  # the SDK writes a timedelta as str(timedelta): "30 days, 0:00:00", not an Edm.Duration
            lambda d: setattr(d.settings, "recommendation_look_back_duration", timedelta(days=30)),
            "ISO 8601",
        ),
    ],
)
async def test_create_validates_like_graph(graph: GraphServiceClient, change, fragment: str) -> None:
    body = guest_review(start=TODAY)
    change(body)
    await expect_400(graph, body, fragment)


async def test_end_date_before_start_date_is_refused(graph: GraphServiceClient) -> None:
    body = guest_review(start=TODAY, range_type=RecurrenceRangeType.EndDate, end=date(2025, 12, 31))
    await expect_400(graph, body, "must not be before")


async def test_list_pages_with_top_and_skip(graph: GraphServiceClient) -> None:
    for n in range(5):
        await create(graph, guest_review(start=TODAY, name=f"Series {n}"))
    builder = definitions(graph)
    params = builder.DefinitionsRequestBuilderGetQueryParameters(top=2, skip=0)
    first = await builder.get(request_configuration=RequestConfiguration(query_parameters=params))
    assert first is not None
    assert first.value is not None
    assert [d.display_name for d in first.value] == ["Series 0", "Series 1"]
    assert first.odata_count == 5  # all of them, on the first page
    assert first.odata_next_link is not None
    assert first.odata_next_link.startswith(
        "http://127.0.0.1/v1.0/identityGovernance/accessReviews/definitions?"
    )
    assert "%24skip=2" in first.odata_next_link or "$skip=2" in first.odata_next_link
    names = [d.display_name for d in first.value]
    link = first.odata_next_link
    while link:
        page = await builder.with_url(link).get()
        assert page is not None
        assert page.value is not None
        names += [d.display_name for d in page.value]
        link = page.odata_next_link
    assert names == [f"Series {n}" for n in range(5)]


async def test_list_answers_as_the_documented_example(graph: GraphServiceClient) -> None:
    """Example 1 (?$top=100&$skip=0) answers @odata.context, @odata.count and value:
    https://learn.microsoft.com/graph/api/accessreviewset-list-definitions?view=graph-rest-1.0"""
    created = await create(graph, guest_review(start=TODAY))
    builder = definitions(graph)
    params = builder.DefinitionsRequestBuilderGetQueryParameters(top=100, skip=0)
    page = await builder.get(request_configuration=RequestConfiguration(query_parameters=params))
    assert page is not None
    assert page.odata_count == 1
    assert page.odata_next_link is None
    assert [d.id for d in page.value or []] == [created.id]
    assert page.additional_data == {
        "@odata.context": "http://127.0.0.1/v1.0/$metadata#identityGovernance/accessReviews/definitions"
    }


async def test_list_default_page_is_100(graph: GraphServiceClient, emulator_state: TenantState) -> None:
    for n in range(101):
        await create(graph, guest_review(start=date(2027, 1, 1), name=f"S{n}"))
    page = await definitions(graph).get()
    assert page is not None
    assert page.value is not None
    assert len(page.value) == 100
    assert page.odata_next_link is not None


async def test_filter_on_scope_query_finds_all_groups_guest_reviews(graph: GraphServiceClient) -> None:
    await create(graph, guest_review(start=TODAY, name="All groups"))
    single = guest_review(start=TODAY, name="One group")
    single.scope = AccessReviewQueryScope(
        query=f"/groups/{FEELGOOD}/transitiveMembers", query_type="MicrosoftGraph"
    )
    single.instance_enumeration_scope = None
    single.reviewers = [
        AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")
    ]
    await create(graph, single)

    builder = definitions(graph)

    async def names(needle: str) -> list[str | None]:
        params = builder.DefinitionsRequestBuilderGetQueryParameters(
            filter=f"contains(scope/microsoft.graph.accessReviewQueryScope/query, '{needle}')"
        )
        page = await builder.get(request_configuration=RequestConfiguration(query_parameters=params))
        assert page is not None
        assert page.value is not None
        return [d.display_name for d in page.value]

    assert await names("./members") == ["All groups"]
    assert await names("/groups") == ["One group"]
    assert await names(f"/groups/{FEELGOOD}") == ["One group"]
    assert await names("accessPackageAssignments") == []


async def test_get_and_404(graph: GraphServiceClient) -> None:
    created = await create(graph, guest_review(start=TODAY))
    fetched = await definitions(graph).by_access_review_schedule_definition_id(created.id).get()
    assert fetched is not None
    assert fetched.display_name == created.display_name
    with pytest.raises(ODataError) as caught:
        await (
            definitions(graph)
            .by_access_review_schedule_definition_id("00000000-1111-2222-3333-444444444444")
            .get()
        )
    assert caught.value.response_status_code == 404
    assert caught.value.error is not None
    assert caught.value.error.code == "Request_ResourceNotFound"


async def test_put_replaces_the_full_object_and_answers_204(graph: GraphServiceClient) -> None:
    created = await create(graph, guest_review(start=TODAY))
    replacement = guest_review(start=TODAY, name="Renamed", duration_days=7)
    item = definitions(graph).by_access_review_schedule_definition_id(created.id)
    assert await item.put(replacement) is None  # 204, no body
    fetched = await item.get()
    assert fetched is not None
    assert fetched.display_name == "Renamed"
    assert fetched.settings is not None
    assert fetched.settings.instance_duration_in_days == 7
    assert fetched.last_modified_date_time is not None


async def test_put_without_settings_resets_them(graph: GraphServiceClient) -> None:
    """PUT expects the full object: what is not sent is not kept."""
    created = await create(graph, guest_review(start=TODAY))
    item = definitions(graph).by_access_review_schedule_definition_id(created.id)
    partial = AccessReviewScheduleDefinition(
        display_name="Only a name",
        reviewers=[AccessReviewReviewerScope(query="./owners", query_type="MicrosoftGraph")],
    )
    await item.put(partial)
    fetched = await item.get()
    assert fetched is not None
    assert fetched.settings is not None
    assert fetched.settings.auto_apply_decisions_enabled is False
    assert fetched.settings.recurrence is None
    assert isinstance(fetched.scope, AccessReviewQueryScope)
    assert fetched.scope.query == GUEST_SCOPE


async def test_put_cannot_change_the_scope_or_owner_reviewers(graph: GraphServiceClient) -> None:
    created = await create(graph, guest_review(start=TODAY))
    item = definitions(graph).by_access_review_schedule_definition_id(created.id)
    moved = guest_review(
        start=TODAY, enumeration=f"/groups?$filter=(groupTypes/any(c:c+eq+'Unified') and id ne '{FEELGOOD}')"
    )
    with pytest.raises(ODataError) as caught:
        await item.put(moved)
    assert caught.value.response_status_code == 400
    reviewers = guest_review(start=TODAY)
    reviewers.reviewers = [
        AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")
    ]
    with pytest.raises(ODataError) as caught:
        await item.put(reviewers)
    assert "individual users" in (caught.value.error.message or "")  # type: ignore[union-attr]


# -- one-group reviews ------------------------------------------------------------------------------

LIST_DOC = "https://learn.microsoft.com/graph/api/accessreviewset-list-definitions?view=graph-rest-1.0"
GET_DOC = "https://learn.microsoft.com/graph/api/accessreviewscheduledefinition-get?view=graph-rest-1.0"
UPDATE_DOC = "https://learn.microsoft.com/graph/api/accessreviewscheduledefinition-update?view=graph-rest-1.0"


def one_group_review(group_id: str, name: str = "Test create") -> AccessReviewScheduleDefinition:
    """The create page's example 1 (a weekly review of one group's members by one user), on the seed.

    https://learn.microsoft.com/graph/api/accessreviewset-post-definitions?view=graph-rest-1.0
    """
    return AccessReviewScheduleDefinition(
        display_name=name,
        description_for_admins="New scheduled access review",
        description_for_reviewers="If you have any questions, contact the administrator",
        scope=AccessReviewQueryScope(
            odata_type="#microsoft.graph.accessReviewQueryScope",
            query=f"/groups/{group_id}/transitiveMembers",
            query_type="MicrosoftGraph",
        ),
        reviewers=[
            AccessReviewReviewerScope(query=f"/users/{FALLBACK_REVIEWER}", query_type="MicrosoftGraph")
        ],
        settings=AccessReviewScheduleSettings(
            mail_notifications_enabled=True,
            reminder_notifications_enabled=True,
            justification_required_on_approval=True,
            default_decision_enabled=False,
            default_decision="None",
            instance_duration_in_days=1,
            recommendations_enabled=True,
            recurrence=PatternedRecurrence(
                pattern=RecurrencePattern(type=RecurrencePatternType.Weekly, interval=1),
                range=RecurrenceRange(type=RecurrenceRangeType.NoEnd, start_date=date(2026, 1, 12)),
            ),
        ),
    )


async def test_a_one_group_definition_reports_that_group_as_its_enumeration_scope(
    graph: GraphServiceClient,
) -> None:
    """LIST_DOC example 1 and GET_DOC: a definition whose scope is /groups/{id}/transitiveMembers
    reports instanceEnumerationScope /groups/{id} (a query scope of type MicrosoftGraph)."""
    created = await create(graph, one_group_review(FEELGOOD))
    fetched = await definitions(graph).by_access_review_schedule_definition_id(created.id).get()
    assert fetched is not None
    listed = await definitions(graph).get()
    assert listed is not None
    assert listed.value is not None
    for definition in (fetched, listed.value[0]):
        enumeration = definition.instance_enumeration_scope
        assert isinstance(enumeration, AccessReviewQueryScope)
        assert (enumeration.query, enumeration.query_type) == (f"/groups/{FEELGOOD}", "MicrosoftGraph")


async def test_a_one_group_definition_named_with_v1_reports_the_group_the_same_way(
    raw_client: httpx.AsyncClient,
) -> None:
    """GET_DOC: scope /v1.0/groups/{id}/transitiveMembers/... beside enumeration /v1.0/groups/{id}."""
    headers = await bearer(raw_client)
    body = {
        "displayName": "Review example",
        "scope": {
            "@odata.type": "#microsoft.graph.accessReviewQueryScope",
            "query": f"/v1.0/groups/{FEELGOOD}/transitiveMembers/microsoft.graph.user/?$count=true"
            "&$filter=(userType eq 'Guest')",
            "queryType": "MicrosoftGraph",
        },
        "reviewers": [{"query": f"/v1.0/users/{FALLBACK_REVIEWER}", "queryType": "MicrosoftGraph"}],
    }
    path = "/v1.0/identityGovernance/accessReviews/definitions"
    created = await raw_client.post(path, json=body, headers=headers)
    assert created.status_code == 201, created.text
    fetched = (await raw_client.get(f"{path}/{created.json()['id']}", headers=headers)).json()
    assert fetched["instanceEnumerationScope"] == {
        "@odata.type": "#microsoft.graph.accessReviewQueryScope",
        "query": f"/v1.0/groups/{FEELGOOD}",
        "queryType": "MicrosoftGraph",
        "queryRoot": None,
    }


async def test_put_of_the_full_object_with_unchanged_scopes_answers_204(graph: GraphServiceClient) -> None:
    """UPDATE_DOC's example: the whole object, scope and instanceEnumerationScope included, with a
    new displayName; 204 No Content."""
    created = await create(graph, one_group_review(FEELGOOD))
    item = definitions(graph).by_access_review_schedule_definition_id(created.id)
    replacement = one_group_review(FEELGOOD, name="Test world UPDATED NAME!")
    replacement.id = created.id
    replacement.instance_enumeration_scope = AccessReviewQueryScope(
        query=f"/groups/{FEELGOOD}", query_type="MicrosoftGraph"
    )
    replacement.reviewers = []  # individual-user reviewers may change
    assert await item.put(replacement) is None
    replacement.instance_enumeration_scope.query = f"/v1.0/groups/{FEELGOOD}"  # the same group
    replacement.scope = AccessReviewQueryScope(
        query=f"/v1.0/groups/{FEELGOOD}/transitiveMembers", query_type="MicrosoftGraph"
    )
    assert await item.put(replacement) is None
    fetched = await item.get()
    assert fetched is not None
    assert fetched.display_name == "Test world UPDATED NAME!"
    assert fetched.reviewers == []
    assert isinstance(fetched.scope, AccessReviewQueryScope)
    assert fetched.scope.query == f"/groups/{FEELGOOD}/transitiveMembers"  # kept as created
    assert isinstance(fetched.instance_enumeration_scope, AccessReviewQueryScope)
    assert fetched.instance_enumeration_scope.query == f"/groups/{FEELGOOD}"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: setattr(d.scope, "query", f"/groups/{RETAIL}/transitiveMembers"),
        lambda d: setattr(d.scope, "query", f"/groups/{FEELGOOD}/members"),
        lambda d: setattr(d, "instance_enumeration_scope", AccessReviewQueryScope(query=f"/groups/{RETAIL}")),
    ],
)
async def test_put_refuses_a_change_of_scope(graph: GraphServiceClient, change) -> None:
    """UPDATE_DOC lists the updatable properties; the scopes are not among them."""
    created = await create(graph, one_group_review(FEELGOOD))
    item = definitions(graph).by_access_review_schedule_definition_id(created.id)
    moved = one_group_review(FEELGOOD)
    change(moved)
    with pytest.raises(ODataError) as caught:
        await item.put(moved)
    status, code, message = odata_error(caught)
    assert (status, code) == (400, "BadRequest")
    assert "cannot be updated" in (message or "")
    fetched = await item.get()
    assert fetched is not None
    assert isinstance(fetched.scope, AccessReviewQueryScope)
    assert fetched.scope.query == f"/groups/{FEELGOOD}/transitiveMembers"


async def test_delete_removes_instances_and_decisions(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient, emulator_state: TenantState
) -> None:
    add_guest(emulator_state, "Avery", groups=(FEELGOOD,))
    created = await create(graph, guest_review(start=TODAY))
    listed = (await raw_client.get("/_emulator/accessReviews/instances")).json()["value"]
    assert len(listed) == 1
    assert listed[0]["decisionCount"] == 1

    item = definitions(graph).by_access_review_schedule_definition_id(created.id)
    assert await item.delete() is None
    assert (await raw_client.get("/_emulator/accessReviews/instances")).json()["value"] == []
    with pytest.raises(ODataError) as caught:
        await item.instances.get()
    assert caught.value.response_status_code == 404


async def test_state_dump_includes_access_reviews(
    graph: GraphServiceClient, raw_client: httpx.AsyncClient
) -> None:
    created = await create(graph, guest_review(start=TODAY))
    dump = (await raw_client.get("/_emulator/state")).json()
    assert [d["id"] for d in dump["accessReviews"]["definitions"]] == [created.id]


# -- permissions -----------------------------------------------------------------------------------


async def test_read_permission_reads_but_cannot_write(make_graph, graph: GraphServiceClient) -> None:
    created = await create(graph, guest_review(start=TODAY))
    reader = make_graph(roles=["AccessReview.Read.All"])
    page = await definitions(reader).get()
    assert page is not None
    assert page.value is not None
    assert len(page.value) == 1
    assert await definitions(reader).by_access_review_schedule_definition_id(created.id).get() is not None

    writes = [
        definitions(reader).post(guest_review(start=TODAY)),
        definitions(reader)
        .by_access_review_schedule_definition_id(created.id)
        .put(guest_review(start=TODAY)),
        definitions(reader).by_access_review_schedule_definition_id(created.id).delete(),
    ]
    for write in writes:
        with pytest.raises(ODataError) as caught:
            await write
        assert odata_error(caught)[:2] == (403, "Authorization_RequestDenied")


async def test_no_access_review_permission_cannot_read(make_graph) -> None:
    outsider = make_graph(roles=["User.Read.All", "AccessReview.ReadWrite.Membership"])
    with pytest.raises(ODataError) as caught:
        await definitions(outsider).get()
    assert caught.value.response_status_code == 403
