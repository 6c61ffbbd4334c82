"""The bad-input corpus's parts every signed endpoint's corpus uses: a case, the header tamperings,
and the one check (status, problem type, problem shape, and no Graph write)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_emulator import TenantState
from shared.webhooks.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES
from tests.shared.conftest import Poster, signed_headers

OTHER_SECRET = "whsec_QW5vdGhlciBzZWNyZXQgb2YgMzIgYnl0ZXMgbG9uZyEh"
Headers = Callable[[bytes], dict[str, str]]


@dataclass(frozen=True)
class Case:
    name: str
    status: int
    slug: str
    body: Any = None
    raw: bytes | None = None
    headers: Headers | None = None
    bulk: bool = False
    replay: bool = False  # send the same delivery first, then check the second answer
    fields: tuple[str, ...] = field(default_factory=tuple)
    setup: Callable[[TenantState], object] | None = None  # the tenant the case needs

    def payload(self) -> bytes:
        return self.raw if self.raw is not None else json.dumps(self.body).encode()


def without(*names: str) -> Headers:
    return lambda body: {k: v for k, v in signed_headers(body).items() if k not in names}


def with_(**changes: str) -> Headers:
    return lambda body: signed_headers(body) | {k.replace("_", "-"): v for k, v in changes.items()}


def at(delta: timedelta) -> Headers:
    return lambda body: signed_headers(body, at=datetime.now(UTC) + delta)


async def refused_without_writes(case: Case, send: Poster, state: TenantState) -> None:
    """Send the case; its answer is the expected problem and Graph saw no write."""
    if case.setup is not None:
        case.setup(state)
    body = case.payload()
    headers = case.headers(body) if case.headers else signed_headers(body)
    if case.replay:
        await send(None, raw=body, headers=headers, bulk=case.bulk)
        state.requests.clear()
    reply = await send(None, raw=body, headers=headers, bulk=case.bulk)
    assert (reply.status, reply.problem_type) == (case.status, case.slug)
    assert reply.mimetype == PROBLEM_MEDIA_TYPE
    assert PROBLEM_TYPES[case.slug] == case.status
    problem = reply.json
    assert problem["status"] == case.status
    assert problem["title"]
    assert problem["detail"]
    if case.fields:
        assert [e["field"] for e in problem["errors"]] == list(case.fields)
    assert state.requests.writes == 0
