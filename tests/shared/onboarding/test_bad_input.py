"""The bad-input corpus: every case through the real handler, each asserting status, problem type,
that Graph saw no write and that the audit trail gained no row. Plus a fuzz test: random signed
JSON never gets a 5xx."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.worker import Worker
from tests.shared.conftest import (
    FEELGOOD,
    NOT_ALLOWED_GROUP,
    ROLE_ASSIGNABLE,
    SECURITY_GROUP,
    UNKNOWN_GROUP,
    guest,
    signed_headers,
)
from tests.shared.webhooks.corpus import OTHER_SECRET, Case, at, refused_without_writes, with_, without

TWENTY_ONE = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(21)]
UNKNOWN_USER = "12345678-1234-4234-8234-123456789012"


def invalid(name: str, body: Any, *fields: str) -> Case:
    return Case(name, 422, "validation-failed", body=body, fields=fields)


def bad_email(name: str, address: str) -> Case:
    return invalid(f"email-{name}", guest(address), "email")


DUPLICATE_EMAIL = (
    b'{"email": "ada@fabrikam.com", "email": "eve@evil.example", "groups": ["' + FEELGOOD.encode() + b'"]}'
)
DUPLICATE_IN_BULK = b'{"guests": [' + DUPLICATE_EMAIL + b"]}"
DUPLICATE_NESTED = (
    b'{"email": "ada@fabrikam.com", "groups": ["' + FEELGOOD.encode() + b'"],'
    b' "invitation": {"sendEmail": false, "sendEmail": true}}'
)

CASES = [
    # transport: body, JSON, media type
    Case("malformed-json", 400, "malformed-json", raw=b'{"email": "ada@fabrikam.com",'),
    Case("empty-body", 400, "malformed-json", raw=b""),
    Case("not-utf8", 400, "malformed-json", raw=b'{"email": "\xff\xfe"}'),
    Case("nan-constant", 400, "malformed-json", raw=b'{"email": NaN, "groups": []}'),
    Case("deeply-nested", 400, "malformed-json", raw=b"[" * 50_000 + b"]" * 50_000),
    # a member named twice: the signer's parser may keep the first value, ours would keep the last
    Case("duplicate-key", 400, "duplicate-json-key", raw=DUPLICATE_EMAIL),
    Case("duplicate-key-nested", 400, "duplicate-json-key", raw=DUPLICATE_NESTED),
    Case("duplicate-key-bulk-item", 400, "duplicate-json-key", raw=DUPLICATE_IN_BULK, bulk=True),
    Case("dup-bulk-envelope", 400, "duplicate-json-key", raw=b'{"guests": [], "guests": [1]}', bulk=True),
    Case("oversize", 413, "payload-too-large", raw=b'{"email": "' + b"a" * 300_000 + b'"}'),
    Case("oversize-bulk", 413, "payload-too-large", raw=b" " * 262_145, bulk=True),
    Case("text-plain", 415, "unsupported-media-type", body=guest(), headers=with_(content_type="text/plain")),
    Case("no-content-type", 415, "unsupported-media-type", body=guest(), headers=without("content-type")),
    Case("form-encoded", 415, "unsupported-media-type", body=guest(),
         headers=with_(content_type="application/x-www-form-urlencoded")),
    Case("latin1-charset", 415, "unsupported-media-type", body=guest(),
         headers=with_(content_type="application/json; charset=latin-1")),
    # shapes and fields
    invalid("top-level-array", [guest()], "$"),
    invalid("top-level-string", "ada@fabrikam.com", "$"),
    invalid("top-level-null", None, "$"),
    invalid("missing-email", {"groups": [FEELGOOD]}, "email"),
    invalid("missing-groups", {"email": "ada@fabrikam.com"}, "groups"),
    invalid("missing-everything", {}, "email", "groups"),
    invalid("email-number", guest(12345), "email"),
    invalid("email-list", guest(["ada@fabrikam.com"]), "email"),
    invalid("groups-string", guest(groups=FEELGOOD), "groups"),
    invalid("groups-empty", guest(groups=[]), "groups"),
    invalid("groups-too-many", guest(groups=TWENTY_ONE), "groups"),
    invalid("group-not-guid", guest(groups=["Feelgood Marketing"]), "groups[0]"),
    invalid("group-number", guest(groups=[FEELGOOD, 42]), "groups[1]"),
    invalid("sponsor-upn", guest(sponsor="MeganB@contoso.onmicrosoft.com"), "sponsor"),
    invalid("display-name-too-long", guest(displayName="A" * 300), "displayName"),
    invalid("display-name-control", guest(displayName="Ada\u0007"), "displayName"),
    invalid("unknown-field", guest(role="admin"), "role"),
    invalid("send-email-string", guest(invitation={"sendEmail": "yes"}), "invitation.sendEmail"),
    invalid("language-garbage", guest(invitation={"language": "en_US!"}), "invitation.language"),
    invalid("override-without-reason", guest(override={}), "override.reason"),
    invalid("external-ref-control", guest(externalRef="HR\n1"), "externalRef"),
    invalid("redirect-http", guest(redirectUrl="http://partners.contoso.com/welcome"), "redirectUrl"),
    # bad and hostile addresses
    bad_email("no-at", "ada.fabrikam.com"),
    bad_email("two-at", "ada@lovelace@fabrikam.com"),
    bad_email("quote-injection", "ada@fabrikam.com' or '1'='1"),
    bad_email("filter-injection", "x' or mail eq 'admin@contoso.onmicrosoft.com"),
    bad_email("leading-quote", "'ada@fabrikam.com"),
    bad_email("quote-before-at", "ada'@fabrikam.com"),
    bad_email("plus", "ada+hr@fabrikam.com"),
    bad_email("unicode", "adä@fabrikam.com"),
    bad_email("newline", "ada@fabrikam.com\r\nBcc: x@y.z"),
    bad_email("html", "<script>alert(1)</script>@fabrikam.com"),
    bad_email("space", "ada lovelace@fabrikam.com"),
    bad_email("no-tld", "ada@localhost"),
    bad_email("too-long", "a" * 60 + "@" + "b" * 190 + ".com"),
    # policy (403) and target eligibility (422, Graph reads only)
    Case("denied-domain", 403, "domain-not-allowed", body=guest("ada@blocked.example"), fields=("email",)),
    Case("denied-subdomain", 403, "domain-not-allowed", body=guest("ada@eu.evil.example"), fields=("email",)),
    Case("group-not-allowlisted", 403, "group-not-allowed", body=guest(groups=[FEELGOOD, NOT_ALLOWED_GROUP]),
         fields=("groups[1]",)),
    Case("redirect-not-allowlisted", 403, "redirect-not-allowed", body=guest(redirectUrl="https://phish.example/x"),
         fields=("redirectUrl",)),
    Case("unknown-group", 422, "group-not-eligible", body=guest(groups=[UNKNOWN_GROUP]),
         fields=("groups[0]",)),
    Case("security-group", 422, "group-not-eligible", body=guest(groups=[SECURITY_GROUP]),
         fields=("groups[0]",)),
    Case("role-assignable-group", 422, "group-not-eligible", body=guest(groups=[FEELGOOD, ROLE_ASSIGNABLE]),
         fields=("groups[1]",)),
    Case("unknown-sponsor", 422, "sponsor-not-eligible", body=guest(sponsor=UNKNOWN_USER),
         fields=("sponsor",)),
    # signatures and replays
    Case("unsigned", 401, "signature-missing", body=guest(),
         headers=without("webhook-id", "webhook-timestamp", "webhook-signature")),
    Case("signature-header-missing", 401, "signature-missing", body=guest(),
         headers=without("webhook-signature")),
    Case("wrong-secret", 401, "signature-invalid", body=guest(),
         headers=lambda body: signed_headers(body, secret=OTHER_SECRET)),
    Case("tampered-body", 401, "signature-invalid", raw=json.dumps(guest()).encode(),
         headers=lambda body: signed_headers(body.replace(b"ada", b"eve"))),
    Case("garbage-signature", 401, "signature-invalid", body=guest(),
         headers=with_(webhook_signature="v1,AAAA")),
    Case("timestamp-not-a-number", 401, "signature-invalid", body=guest(),
         headers=with_(webhook_timestamp="yesterday")),
    Case("stale-timestamp", 401, "signature-expired", body=guest(), headers=at(timedelta(minutes=-10))),
    Case("future-timestamp", 401, "signature-expired", body=guest(), headers=at(timedelta(minutes=10))),
    Case("replayed", 409, "webhook-replayed", body=guest(), replay=True),
    Case("replayed-refusal", 409, "webhook-replayed", body=guest("ada@blocked.example"), replay=True),
    # the bulk form
    Case("bulk-not-array", 422, "validation-failed", body={"guests": guest()}, bulk=True, fields=("guests",)),
    Case("bulk-empty", 422, "validation-failed", body={"guests": []}, bulk=True, fields=("guests",)),
    Case("bulk-too-many", 422, "validation-failed", body={"guests": [guest()] * 201}, bulk=True,
         fields=("guests",)),
    Case("bulk-unsigned", 401, "signature-missing", body={"guests": [guest()]}, bulk=True,
         headers=without("webhook-signature")),
]  # fmt: skip


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 40  # every refusal type is covered: tests/shared/webhooks/test_problems.py


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_bad_input_is_refused_without_graph_writes(
    case: Case, post: Any, emulator_state: Any, worker: Worker
) -> None:
    audited: list[Any] = []  # the audit trail just before each send: a replay's first send may add rows

    async def send(*args: Any, **kwargs: Any) -> Any:
        audited[:] = await worker.store.audit.list_audit()
        return await post(*args, **kwargs)

    await refused_without_writes(case, send, emulator_state)
    assert await worker.store.audit.list_audit() == audited


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
guest_like = st.fixed_dictionaries(
    {},
    optional={
        "email": st.one_of(st.emails(), json_values),
        "groups": st.one_of(
            st.lists(st.sampled_from([FEELGOOD, SECURITY_GROUP, "x"]), max_size=3), json_values
        ),
        "sponsor": json_values,
        "invitation": json_values,
        "override": json_values,
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(guest_like, json_values))
async def test_random_signed_json_never_gets_a_server_error(payload: Any, post: Any) -> None:
    reply = await post(payload)
    assert reply.status < 500, reply.json
