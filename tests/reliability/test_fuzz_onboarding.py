"""Hostile input: requests generated from docs/openapi.yaml, broken and signed every which way.

Each example is one request to the real handler (single or bulk) against the in-process emulator and
Azurite: a body from the contract's schemas (valid, mutated, arbitrary JSON or bytes), a media
type, and a signature that is valid, missing, made with another secret, for another body, outside
the tolerance, garbage, or a replay of a delivery already answered. Properties:

- never a 5xx (Graph is healthy here: any 5xx is the app failing on input);
- every answer that is not 2xx is ``application/problem+json`` with a catalogued ``type``, a
  ``title``, a ``detail`` and the HTTP status; every bulk entry that failed carries such a problem;
- a refused request (4xx, or a 207 whose every entry was refused) made no Graph write.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_emulator import TenantState
from shared.webhooks.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, PROBLEM_TYPES
from tests.reliability import figures
from tests.reliability.openapi_strategies import (
    NAME_MARK,
    bulk_bodies,
    guest_bodies,
    has_repeated_key,
    ineligible_targets,
    json_values,
    likely_valid,
    mutated,
    with_repeated_key,
)
from tests.reliability.pii import Sensitive
from tests.shared.conftest import Reply, signed_headers

EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "400"))
OTHER_SECRET = "whsec_QW5vdGhlciBzZWNyZXQgb2YgMzIgYnl0ZXMgbG9uZyEh"
SIGNINGS = (
    "valid",
    "replay",
    "no-headers",
    "missing-one",
    "wrong-secret",
    "other-body",
    "stale",
    "future",
    "garbage",
    "odd-id",
)
MEDIA_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON",
    "application/json; charset=latin-1",
    "text/plain",
    "",
    "application/problem+json",
)
SOAK_EXAMPLES = int(os.environ.get("RELIABILITY_SOAK_FUZZ_EXAMPLES", "10000"))  # make soak
TALLIES: dict[str, Counter[str]] = {}  # per scenario: the short fuzz and the soak's


@dataclass(frozen=True)
class Fuzzed:
    bulk: bool
    body: bytes
    signing: str
    media_type: str
    odd: str  # a header value or id for the signings that need one

    def headers(self) -> dict[str, str]:
        signed = self.sign(self.body)
        if self.signing in ("valid", "replay"):
            return signed
        if self.signing == "no-headers":
            return {"content-type": self.media_type}
        if self.signing == "missing-one":
            drop = ("webhook-id", "webhook-timestamp", "webhook-signature")[len(self.odd) % 3]
            return {k: v for k, v in signed.items() if k != drop}
        if self.signing == "wrong-secret":
            return self.sign(self.body, secret=OTHER_SECRET)
        if self.signing == "other-body":
            return self.sign(self.body + b" ")
        if self.signing in ("stale", "future"):
            skew = timedelta(minutes=6) * (-1 if self.signing == "stale" else 1)
            return self.sign(self.body, at=datetime.now(UTC) + skew)
        if self.signing == "garbage":
            return signed | {"webhook-signature": self.odd}
        return self.sign(self.body, webhook_id=self.odd or "x")  # odd-id: any text as the id

    def sign(self, body: bytes, **options: Any) -> dict[str, str]:
        return signed_headers(body, content_type=self.media_type, **options)


def encode(payload: Any) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


single_payloads = st.one_of(
    likely_valid,
    ineligible_targets,
    guest_bodies,
    mutated(guest_bodies),
    with_repeated_key(guest_bodies),
    json_values,
    st.binary(max_size=40),
)
bulk_payloads = st.one_of(
    bulk_bodies,
    bulk_bodies,
    mutated(bulk_bodies),
    with_repeated_key(bulk_bodies),
    json_values,
    st.binary(max_size=40),
)
requests_ = st.booleans().flatmap(
    lambda bulk: st.builds(
        Fuzzed,
        bulk=st.just(bulk),
        body=(bulk_payloads if bulk else single_payloads).map(encode),
        signing=st.one_of(st.just("valid"), st.just("valid"), st.sampled_from(SIGNINGS)),
        media_type=st.one_of(st.sampled_from(MEDIA_TYPES[:2]), st.sampled_from(MEDIA_TYPES)),
        odd=st.text(max_size=40),
    )
)


def check_problem(reply: Reply) -> None:
    assert reply.mimetype == PROBLEM_MEDIA_TYPE, reply.raw[:200]
    check_problem_body(reply.json, reply.status)


def check_problem_body(problem: Any, status: int) -> None:
    assert isinstance(problem, dict)
    assert problem["type"].startswith(PROBLEM_BASE)
    assert PROBLEM_TYPES[problem["type"].removeprefix(PROBLEM_BASE)] == status
    assert problem["status"] == status
    assert isinstance(problem["title"], str)
    assert problem["title"]
    assert isinstance(problem["detail"], str)
    assert problem["detail"]
    for error in problem.get("errors", []):
        assert set(error) == {"field", "message"}


def accepted_entries(reply: Reply) -> int:
    """2xx entries of a 207 (each checked: a result, or a problem that is not a 5xx)."""
    accepted = 0
    for entry in reply.json["results"]:
        if entry["status"] in (200, 201):
            accepted += 1
            assert entry["guest"]["userId"]
        else:
            assert entry["status"] < 500, entry
            check_problem_body(entry["problem"], entry["status"])
    return accepted


FUZZ = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@settings(
    FUZZ,
    max_examples=EXAMPLES,
    # the same examples on every run of make test; RELIABILITY_FUZZ_RANDOM=1 (and more EXAMPLES) explores
    derandomize=not os.environ.get("RELIABILITY_FUZZ_RANDOM"),
)
@given(request=requests_)
async def test_fuzzed_requests_get_no_5xx_a_problem_document_and_no_write_when_refused(
    request: Fuzzed, post: Any, emulator_state: Any, sensitive: Sensitive
) -> None:
    await check_fuzzed(request, post, emulator_state, sensitive, "fuzz")


@pytest.mark.soak
@pytest.mark.slow
@settings(FUZZ, max_examples=SOAK_EXAMPLES, derandomize=False)  # new examples on every soak
@given(request=requests_)
async def test_soak_fuzz_of_ten_thousand_requests_gets_no_5xx_and_no_write_when_refused(
    request: Fuzzed, post: Any, emulator_state: Any, sensitive: Sensitive
) -> None:
    await check_fuzzed(request, post, emulator_state, sensitive, "soak fuzz")


async def check_fuzzed(
    request: Fuzzed, post: Any, emulator_state: TenantState, sensitive: Sensitive, scenario: str
) -> None:
    """One example: sent (after a first delivery for a replay), answered, checked, counted."""
    started = time.monotonic()
    headers = request.headers()
    sensitive.add(NAME_MARK)  # every generated display name starts with it
    if request.signing == "replay":
        await post(None, raw=request.body, headers=headers, bulk=request.bulk)
    log = emulator_state.requests.entries
    mark = len(log)
    reply = await post(None, raw=request.body, headers=headers, bulk=request.bulk)
    # Counted from the mark, not with RequestLog.writes, which walks the whole log (10,000 examples).
    written = sum(1 for e in log[mark:] if e.is_write and e.status < 400)

    assert reply.status < 500, (reply.status, reply.raw[:300])
    valid_envelope = (
        request.signing == "valid" and request.media_type == MEDIA_TYPES[0] and reply.status != 413
    )
    if valid_envelope and has_repeated_key(request.body):
        assert (reply.status, reply.problem_type) == (400, "duplicate-json-key"), reply.raw[:300]
    tally = TALLIES.setdefault(scenario, Counter())
    if reply.status == 207:
        accepted = accepted_entries(reply)
        tally["bulk entries accepted"] += accepted
        refused = accepted == 0
    elif 200 <= reply.status < 300:
        assert reply.json["userId"]
        refused = False
    else:
        check_problem(reply)
        refused = True
        tally[f"refused {reply.status} {reply.problem_type}"] += 1
    if refused:
        assert written == 0, (reply.status, written)
    tally["examples"] += 1
    tally[f"status {reply.status}"] += 1
    tally["refused"] += refused
    tally["graph writes from refused requests"] += written if refused else 0
    tally["ms"] += round(1000 * (time.monotonic() - started))
    figures.record(scenario, **{k: tally[k] for k in sorted(tally) if not k.startswith("refused ")})
    figures.record(
        f"{scenario} refusals", **{k[8:]: tally[k] for k in sorted(tally) if k.startswith("refused ")}
    )
