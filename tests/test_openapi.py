"""docs/openapi.yaml against the implementation: routes, methods, request fields, limits, result
shapes and problem types must agree."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from shared.auditing.answers import guest_json, record_json, round_json
from shared.auditing.lookup import GuestTrail
from shared.auditing.problems import PROBLEM_TYPES as AUDIT_PROBLEM_TYPES
from shared.offboarding import validation as offboarding_validation
from shared.offboarding.models import (
    AccountStatus,
    BulkItem,
    BulkOutcome,
    GroupStatus,
    OffboardingResult,
    OffboardRequest,
)
from shared.offboarding.models import GroupOutcome as OffboardGroupOutcome
from shared.offboarding.responses import reply_for_bulk
from shared.offboarding.settings import OffboardingSettings
from shared.onboarding import validation
from shared.onboarding.models import (
    GroupOutcome,
    Invited,
    MembershipStatus,
    OnboardingResult,
    SponsorOutcome,
    SponsorStatus,
)
from shared.state import AuditRecord, Denial, DisabledGuest, OnboardingRecord
from shared.webhooks import fields
from shared.webhooks.problems import PROBLEM_BASE, PROBLEM_TYPES
from tests.test_function_app import index_functions

ROOT = Path(__file__).resolve().parent.parent
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
SCHEMAS = SPEC["components"]["schemas"]
GID = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMAS[node["$ref"].rsplit("/", 1)[-1]] | {k: v for k, v in node.items() if k != "$ref"}
    return node


def test_it_is_openapi_3_1() -> None:
    assert SPEC["openapi"].startswith("3.1")


def test_paths_methods_and_operation_ids_match_the_function_app() -> None:
    prefix = json.loads((ROOT / "host.json").read_text())["extensions"]["http"]["routePrefix"]
    assert SPEC["servers"][0]["url"].endswith(f"/{prefix}")
    implemented = {}
    for name, function_json in index_functions().items():
        trigger = function_json["bindings"][0]
        if trigger["type"] != "httpTrigger":
            continue
        assert trigger["authLevel"] == "FUNCTION"
        implemented[f"/{trigger['route']}"] = ({m.lower() for m in trigger["methods"]}, name)
    documented = {
        path: (set(ops), next(iter(ops.values()))["operationId"]) for path, ops in SPEC["paths"].items()
    }
    assert documented == implemented


def test_signature_headers_and_function_key_are_documented() -> None:
    for path in ("/guests", "/guests/batch"):
        names = {resolve_param(p)["name"] for p in SPEC["paths"][path]["post"]["parameters"]}
        assert names == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    schemes = SPEC["components"]["securitySchemes"]
    assert schemes["functionKey"]["name"] == "x-functions-key"


def resolve_param(node: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = SPEC["components"]["parameters"]
    return params[node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else node


def test_request_fields_and_limits_match_validation() -> None:
    guest = SCHEMAS["GuestRequest"]
    assert set(guest["properties"]) == validation.GUEST_FIELDS
    assert set(guest["required"]) == {"email", "groups"}
    assert guest["additionalProperties"] is False
    assert guest["properties"]["email"]["maxLength"] == fields.MAX_EMAIL
    assert guest["properties"]["displayName"]["maxLength"] == validation.MAX_DISPLAY_NAME
    assert guest["properties"]["groups"]["maxItems"] == validation.MAX_GROUPS
    assert guest["properties"]["externalRef"]["maxLength"] == fields.MAX_EXTERNAL_REF
    assert guest["properties"]["redirectUrl"]["maxLength"] == validation.MAX_URL
    assert set(SCHEMAS["InvitationOptions"]["properties"]) == validation.INVITATION_FIELDS
    assert SCHEMAS["InvitationOptions"]["properties"]["message"]["maxLength"] == validation.MAX_MESSAGE
    assert set(SCHEMAS["Override"]["properties"]) == {"reason"}
    assert SCHEMAS["Override"]["properties"]["reason"]["maxLength"] == fields.MAX_REASON
    assert set(SCHEMAS["BulkRequest"]["properties"]) == {"guests"}


def test_result_shapes_match_what_the_app_writes() -> None:
    result = OnboardingResult(
        created=True,
        invited=Invited("u", "PendingAcceptance", "https://login.microsoftonline.com/redeem?rd=x"),
        groups=(GroupOutcome(GID, MembershipStatus.FAILED, "ServiceUnavailable"),),
        sponsor=SponsorOutcome(GID, SponsorStatus.ADDED),
        external_ref="HR-1",
        override_recorded=True,
    )
    body = result.to_json()
    assert set(body) == set(SCHEMAS["OnboardingResult"]["properties"])
    assert set(body["groups"][0]) == set(SCHEMAS["GroupOutcome"]["properties"])
    assert set(body["sponsor"]) <= set(SCHEMAS["SponsorOutcome"]["properties"])
    assert {s.value for s in MembershipStatus} == set(SCHEMAS["GroupOutcome"]["properties"]["status"]["enum"])
    assert {s.value for s in SponsorStatus} == set(SCHEMAS["SponsorOutcome"]["properties"]["status"]["enum"])


def test_problem_types_match_the_catalogues() -> None:
    documented = {slug: entry["status"] for slug, entry in SPEC["x-problem-types"].items()}
    assert documented == PROBLEM_TYPES | AUDIT_PROBLEM_TYPES
    assert all(PROBLEM_TYPES[s] == n for s, n in AUDIT_PROBLEM_TYPES.items() if s in PROBLEM_TYPES)
    assert PROBLEM_BASE == "https://guestkeeper.dev/problems/"


ENVELOPE = {400, 401, 409, 413, 415, 422, 500, 503}  # refusals of the request as a whole
PER_GUEST = {  # what each endpoint answers besides: a single guest's own outcomes, or 207
    "/guests": {201, 200, 403, 502},
    "/guests/batch": {207},
    "/guests/offboard": {200, 404, 502},
    "/guests/offboard/batch": {207},
}


@pytest.mark.parametrize("path", sorted(PER_GUEST))
def test_every_status_the_endpoint_can_answer_is_documented(path: str) -> None:
    responses = set(SPEC["paths"][path]["post"]["responses"])
    assert responses == {str(s) for s in ENVELOPE | PER_GUEST[path]}


def test_every_problem_status_is_answered_by_some_single_guest_endpoint() -> None:
    answered = ENVELOPE | PER_GUEST["/guests"] | PER_GUEST["/guests/offboard"]
    assert set(PROBLEM_TYPES.values()) <= answered


def test_offboarding_request_fields_and_limits_match_validation() -> None:
    leaver = SCHEMAS["OffboardRequest"]
    assert set(leaver["properties"]) == offboarding_validation.GUEST_FIELDS
    assert leaver["required"] == ["email"]
    assert leaver["additionalProperties"] is False
    assert leaver["properties"]["email"]["maxLength"] == fields.MAX_EMAIL
    assert leaver["properties"]["externalRef"]["maxLength"] == fields.MAX_EXTERNAL_REF
    assert leaver["properties"]["reason"]["maxLength"] == fields.MAX_REASON
    assert leaver["properties"]["cooldown"]["default"] is OffboardRequest("x@y.zz").cooldown
    bulk = SCHEMAS["OffboardBulkRequest"]["properties"]["guests"]
    assert bulk["maxItems"] == OffboardingSettings().max_batch_guests


def test_offboarding_result_shapes_match_what_the_app_writes() -> None:
    result = OffboardingResult(
        user_id=GID,
        groups=(OffboardGroupOutcome(GID, GroupStatus.REMOVED),),
        account=AccountStatus.DISABLED,
        delete_after=datetime(2026, 2, 4, tzinfo=UTC),
        cooldown=True,
        external_ref="HR-1",
    )
    body = result.to_json()
    schema = SCHEMAS["OffboardingResult"]
    assert set(body) == set(schema["properties"])
    assert set(schema["required"]) == set(body) - {"externalRef"}
    assert set(body["groups"][0]) == set(SCHEMAS["OffboardGroupOutcome"]["properties"])
    assert {s.value for s in GroupStatus} == set(
        SCHEMAS["OffboardGroupOutcome"]["properties"]["status"]["enum"]
    )
    assert {s.value for s in AccountStatus} == set(schema["properties"]["account"]["enum"])
    bulk = reply_for_bulk(BulkOutcome((BulkItem(0, "HR-1", result=result),))).body
    assert set(bulk["summary"]) == set(SCHEMAS["OffboardBulkResult"]["properties"]["summary"]["required"])
    assert set(bulk["results"][0]) <= set(SCHEMAS["OffboardBulkEntry"]["properties"])


def test_the_audit_endpoint_documents_its_parameters_statuses_and_shapes() -> None:
    operation = SPEC["paths"]["/audit"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"guest", "round"}
    assert set(operation["responses"]) == {"200", "400", "401", "404", "500", "503"}
    assert {str(s) for s in AUDIT_PROBLEM_TYPES.values()} <= set(operation["responses"])
    record = AuditRecord("remove-membership", "removed", NOW, GID, GID, GID, '{"a":1}', "Deny")
    assert set(record_json(record)) == set(SCHEMAS["AuditRecord"]["properties"])
    onboarded = OnboardingRecord("hash", GID, NOW)
    trail = GuestTrail(GID, onboarded, Denial(GID, GID, NOW), DisabledGuest(GID, GID, NOW), [record])
    guest = guest_json(trail)
    assert set(guest) == set(SCHEMAS["GuestAudit"]["required"]) == set(SCHEMAS["GuestAudit"]["properties"])
    assert set(guest["facts"]) == set(SCHEMAS["GuestAudit"]["properties"]["facts"]["properties"])
    assert set(guest["facts"]["denied"]) == set(SCHEMAS["RoundDate"]["properties"])
    assert set(round_json(GID, [record])) == set(SCHEMAS["RoundAudit"]["properties"])
