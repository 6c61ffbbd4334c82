"""docs/openapi.yaml against the implementation: routes, methods, request fields, limits, result
shapes and problem types must agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from shared.onboarding import validation
from shared.onboarding.models import (
    GroupOutcome,
    Invited,
    MembershipStatus,
    OnboardingResult,
    SponsorOutcome,
    SponsorStatus,
)
from shared.webhooks import fields
from shared.webhooks.problems import PROBLEM_BASE, PROBLEM_TYPES
from tests.test_function_app import index_functions

ROOT = Path(__file__).resolve().parent.parent
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
SCHEMAS = SPEC["components"]["schemas"]
GID = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"


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
    for ops in SPEC["paths"].values():
        names = {resolve_param(p)["name"] for p in ops["post"]["parameters"]}
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


def test_problem_types_match_the_catalogue() -> None:
    documented = {slug: entry["status"] for slug, entry in SPEC["x-problem-types"].items()}
    assert documented == PROBLEM_TYPES
    assert PROBLEM_BASE == "https://guestkeeper.dev/problems/"


@pytest.mark.parametrize("path", ["/guests", "/guests/batch"])
def test_every_status_the_endpoint_can_answer_is_documented(path: str) -> None:
    responses = set(SPEC["paths"][path]["post"]["responses"])
    envelope = {400, 401, 409, 413, 415, 422, 500, 503}  # refusals of the request as a whole
    expected = (envelope | {201, 200, 403, 502}) if path == "/guests" else (envelope | {207})
    assert responses == {str(s) for s in expected}
    assert {str(s) for s in PROBLEM_TYPES.values()} <= {str(s) for s in envelope | {403, 502}}
