"""The offboarding endpoints' bad-input corpus: every case through the real handler, each asserting
status, problem type and that Graph saw no write (an address that is no guest, or several, is
refused after the Graph reads only). Plus a fuzz test: random signed JSON never gets a 5xx."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_emulator import TenantState
from tests.shared.conftest import FEELGOOD, RETAIL, signed_headers
from tests.shared.offboarding.fixtures import contractor, leaving
from tests.shared.webhooks.corpus import OTHER_SECRET, Case, at, refused_without_writes, with_, without

ADA = "ada@fabrikam.com"


def invalid(name: str, body: Any, *fields: str, bulk: bool = False) -> Case:
    return Case(name, 422, "validation-failed", body=body, fields=fields, bulk=bulk)


def bad_email(name: str, address: str) -> Case:
    return invalid(f"email-{name}", leaving(address), "email")


def two_guests_one_address(state: TenantState) -> None:
    contractor(state, "Shared", FEELGOOD)
    contractor(state, "Sharer", RETAIL, other_mails=("shared@example.net",))


TWO_EMAILS = b'{"email": "a@fabrikam.com", "email": "b@evil.example"}'

CASES = [
    # transport: body, JSON, media type
    Case("malformed-json", 400, "malformed-json", raw=b'{"email": "ada@fabrikam.com",'),
    Case("empty-body", 400, "malformed-json", raw=b""),
    Case("not-utf8", 400, "malformed-json", raw=b'{"email": "\xff\xfe"}'),
    Case("nan-constant", 400, "malformed-json", raw=b'{"email": NaN}'),
    Case("deeply-nested", 400, "malformed-json", raw=b"[" * 50_000 + b"]" * 50_000),
    Case("duplicate-key", 400, "duplicate-json-key", raw=TWO_EMAILS),
    Case("duplicate-bulk", 400, "duplicate-json-key", raw=b'{"guests": [' + TWO_EMAILS + b"]}", bulk=True),
    Case("oversize", 413, "payload-too-large", raw=b'{"email": "' + b"a" * 300_000 + b'"}'),
    Case("oversize-bulk", 413, "payload-too-large", raw=b" " * 262_145, bulk=True),
    Case("text-plain", 415, "unsupported-media-type", body=leaving(ADA),
         headers=with_(content_type="text/plain")),
    Case("no-content-type", 415, "unsupported-media-type", body=leaving(ADA),
         headers=without("content-type")),
    # shapes and fields
    invalid("top-level-array", [leaving(ADA)], "$"),
    invalid("top-level-string", ADA, "$"),
    invalid("top-level-null", None, "$"),
    invalid("missing-email", {"externalRef": "HR-1"}, "email"),
    invalid("email-number", leaving(12345), "email"),
    invalid("email-null", leaving(None), "email"),
    invalid("unknown-field", leaving(ADA, groups=[FEELGOOD]), "groups"),
    invalid("cooldown-string", leaving(ADA, cooldown="no"), "cooldown"),
    invalid("cooldown-null", leaving(ADA, cooldown=None), "cooldown"),
    invalid("reason-control", leaving(ADA, reason="ended\u0007"), "reason"),
    invalid("reason-too-long", leaving(ADA, reason="x" * 1001), "reason"),
    invalid("reason-empty", leaving(ADA, reason="  "), "reason"),
    invalid("external-ref-control", leaving(ADA, externalRef="HR\n1"), "externalRef"),
    invalid("everything-wrong", {"email": [], "externalRef": 7, "reason": {}, "cooldown": 0, "x": 1},
            "x", "email", "externalRef", "reason", "cooldown"),
    # bad and hostile addresses: never a filter of Graph's
    bad_email("no-at", "ada.fabrikam.com"),
    bad_email("quote-injection", "ada@fabrikam.com' or '1'='1"),
    bad_email("filter-injection", "x' or userType eq 'Member"),
    bad_email("lambda-injection", "a')) or otherMails/any(m:m ne 'b"),
    bad_email("leading-quote", "'ada@fabrikam.com"),
    bad_email("hash", "ada_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
    bad_email("percent", "ada%27@fabrikam.com"),
    bad_email("newline", "ada@fabrikam.com\r\nBcc: x@y.z"),
    bad_email("unicode", "adä@fabrikam.com"),
    bad_email("too-long", "a" * 60 + "@" + "b" * 190 + ".com"),
    # the directory: no guest, or several, have the address (Graph reads only)
    Case("unknown-address", 404, "guest-not-found", body=leaving("nobody@fabrikam.com"), fields=("email",)),
    Case("internal-user", 404, "guest-not-found", body=leaving("AdeleV@contoso.onmicrosoft.com"),
         fields=("email",)),
    Case("two-guests", 409, "guest-ambiguous", body=leaving("shared@example.net"), fields=("email",),
         setup=two_guests_one_address),
    # signatures and replays
    Case("unsigned", 401, "signature-missing", body=leaving(ADA),
         headers=without("webhook-id", "webhook-timestamp", "webhook-signature")),
    Case("wrong-secret", 401, "signature-invalid", body=leaving(ADA),
         headers=lambda body: signed_headers(body, secret=OTHER_SECRET)),
    Case("tampered-body", 401, "signature-invalid", raw=json.dumps(leaving(ADA)).encode(),
         headers=lambda body: signed_headers(body.replace(b"ada", b"eve"))),
    Case("stale-timestamp", 401, "signature-expired", body=leaving(ADA), headers=at(timedelta(minutes=-10))),
    Case("replayed-refusal", 409, "webhook-replayed", body=leaving("nobody@fabrikam.com"), replay=True),
    # the bulk form
    invalid("bulk-not-array", {"guests": leaving(ADA)}, "guests", bulk=True),
    invalid("bulk-empty", {"guests": []}, "guests", bulk=True),
    invalid("bulk-too-many", {"guests": [leaving(ADA)] * 201}, "guests", bulk=True),
    invalid("bulk-extra-field", {"guests": [leaving(ADA)], "dryRun": True}, "dryRun", bulk=True),
    Case("bulk-unsigned", 401, "signature-missing", body={"guests": [leaving(ADA)]}, bulk=True,
         headers=without("webhook-signature")),
]  # fmt: skip


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 40  # every refusal type is covered: tests/shared/webhooks/test_problems.py


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_bad_input_is_refused_without_graph_writes(
    case: Case, offboard: Any, emulator_state: TenantState
) -> None:
    await refused_without_writes(case, offboard, emulator_state)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
leaver_like = st.fixed_dictionaries(
    {},
    optional={
        "email": st.one_of(st.emails(), json_values),
        "externalRef": json_values,
        "reason": json_values,
        "cooldown": json_values,
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(leaver_like, json_values))
async def test_random_signed_json_never_gets_a_server_error(payload: Any, offboard: Any) -> None:
    reply = await offboard(payload)
    assert reply.status < 500, reply.json
