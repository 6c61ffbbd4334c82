"""End to end on devhost: the demo story (signed webhooks, the governance timer, the owners' decisions,
the cleanup queue) on the real ``function_app``, then ``GET /api/audit`` through the host with its
function key, and ``python -m shared.audit report`` on the round it cleaned up, against the same
emulator (over a socket) and Azurite table."""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import pytest

from scripts.story import ADA, JOHN
from shared.audit import run
from tests.reliability.stack import app_stack, watch
from tests.reliability.test_least_privilege import README_ROLES
from tests.shared.auditing.test_report import self_contained


async def test_the_audit_of_the_demo_story_over_http_and_as_a_report(
    storage_connection_string: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async with app_stack(storage_connection_string, README_ROLES, monkeypatch) as stack:
        report = await watch(stack)
        john, ada = report.guests
        feelgood = next(r for r in report.rounds if r.group == "Feelgood Marketing Campaign")
        key = {"x-functions-key": str(stack.endpoints.function_key)}
        async with httpx.AsyncClient(base_url=stack.host.url) as http:
            assert (await http.get("/api/audit", params={"guest": JOHN.email})).status_code == 401  # no key
            answer = await http.get("/api/audit", params={"guest": JOHN.email}, headers=key)
            by_round = await http.get("/api/audit", params={"round": feelgood.instance_id}, headers=key)
            bad = await http.get("/api/audit", params={"guest": "John Doe"}, headers=key)
            unknown = await http.get("/api/audit", params={"guest": "nobody@tailspintoys.com"}, headers=key)
            ada_answer = await http.get("/api/audit", params={"guest": ada.user_id}, headers=key)

        environ = dict(os.environ)  # the stack's settings, as a local.settings.json would give them
        page = tmp_path / "feelgood.html"
        out = io.StringIO()
        argv = ["report", "--round", feelgood.instance_id, "--html", str(page)]
        assert await run(argv, environ, out, io.StringIO()) == 0

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["guestId"] == john.user_id
    actions = [(r["action"], r["outcome"]) for r in body["records"]]
    assert ("onboarding.invite", "invited") in actions  # the trail starts at the onboarding ...
    assert ("onboarding.add-membership", "added") in actions
    assert ("onboarding.add-sponsor", "added") in actions
    assert ("disable-account", "disabled") in actions  # ... and goes on with the review's cleanup
    assert body["facts"]["disabled"]["instanceId"] == feelgood.instance_id
    assert JOHN.email not in answer.text
    assert JOHN.name not in answer.text

    assert by_round.status_code == 200
    assert {r["action"] for r in by_round.json()["records"]} >= {"remove-membership", "round-summary"}
    assert (bad.status_code, bad.json()["type"].rsplit("/", 1)[-1]) == (400, "invalid-query")
    assert (unknown.status_code, unknown.headers["content-type"]) == (404, "application/problem+json")
    assert ada_answer.json()["count"] == 3  # invited, two groups: the review approved her
    assert ADA.email not in ada_answer.text

    assert out.getvalue().startswith(f"{page}: 2 decisions, ")
    html = page.read_text(encoding="utf-8")
    parsed = self_contained(html)
    for person in (JOHN, ADA):
        assert person.name not in html
        assert person.email not in html
    assert john.user_id in parsed.text
    assert "Feelgood Marketing Campaign" in parsed.text
