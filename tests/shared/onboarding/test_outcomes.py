"""What onboarding tells HR, through the real handlers: onboarded (201 and 200), refused by policy,
cool-down; nothing for answers the sender must act on, nor for an incomplete onboarding until the
sender's retry completes it (the outcome's source is the delivery's webhook id)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_emulator import FaultConfig, FaultRule
from shared.graph.batch import RetryPolicy
from shared.onboarding.gateway import DirectoryGateway
from shared.outcomes import OutcomeKind
from shared.worker import Worker
from tests.shared.conftest import guest, signed_headers
from tests.shared.outcomes.fixtures import RecordedOutcomes


def recorded(worker: Worker) -> RecordedOutcomes:
    outcomes = RecordedOutcomes()
    worker.outcomes = outcomes
    return outcomes


async def test_each_terminal_outcome_is_published_with_hrs_reference(post: Any, worker: Worker) -> None:
    outcomes = recorded(worker)
    created = await post(guest(externalRef="HR-1001"))
    existing = await post(guest(externalRef="HR-1001"))
    refused = await post(guest("ann@blocked.example", externalRef="HR-1002"))
    invalid = await post(guest("not an address", externalRef="HR-1003"))
    assert [r.status for r in (created, existing, refused, invalid)] == [201, 200, 403, 422]
    await worker.store.denials.record_denial(
        created.json["userId"], "instance-1", datetime.now(UTC) - timedelta(days=3)
    )
    cooled = await post(guest(externalRef="HR-1001"))
    assert cooled.status == 409

    user = created.json["userId"]
    assert [(o.kind, o.user_id, o.external_ref, dict(o.data)) for o in outcomes.outcomes] == [
        (OutcomeKind.ONBOARDED, user, "HR-1001", {"created": True}),
        (OutcomeKind.ONBOARDED, user, "HR-1001", {"created": False}),
        (OutcomeKind.REFUSED, None, "HR-1002", {"reason": "domain-not-allowed"}),
        (OutcomeKind.COOLDOWN, user, "HR-1001", {"reason": "guest-recently-denied"}),
    ]  # the invalid request's answer tells the sender what to fix: no outcome
    assert len({o.webhook_id for o in outcomes.outcomes}) == 4  # each delivery its own event


async def test_bulk_entries_each_publish_their_outcome(post: Any, worker: Worker) -> None:
    outcomes = recorded(worker)
    payload = {
        "guests": [
            guest("one@fabrikam.com", externalRef="HR-1"),
            guest("two@blocked.example", externalRef="HR-2"),
            {"email": "three@fabrikam.com", "externalRef": "HR-3"},
        ]
    }
    assert (await post(payload, bulk=True)).status == 207
    assert [(o.kind, o.external_ref) for o in outcomes.outcomes] == [
        (OutcomeKind.ONBOARDED, "HR-1"),
        (OutcomeKind.REFUSED, "HR-2"),
    ]


async def test_an_incomplete_delivery_publishes_nothing_until_its_retry_completes(
    post: Any, worker: Worker, emulator_state: Any
) -> None:
    outcomes = recorded(worker)
    worker.gateway = DirectoryGateway(policy=RetryPolicy(max_attempts=1))
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=503, method="POST", path="^/groups/")])
    )
    body = json.dumps(guest(externalRef="HR-1001")).encode()
    headers = signed_headers(body, webhook_id="msg_hr_retry")
    assert (await post(None, raw=body, headers=headers)).status == 503  # incomplete: no outcome yet
    assert outcomes.outcomes == []
    emulator_state.faults.configure(FaultConfig())
    assert (await post(None, raw=body, headers=headers)).status == 201
    [onboarded] = outcomes.outcomes
    assert onboarded.source == "msg_hr_retry#0"
