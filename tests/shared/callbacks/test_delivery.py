"""One HR callback delivery, to a local receiver that verifies the signature with ``standardwebhooks``:
signed body and headers, HR's reference completed, non-2xx raised for the host's retries, the poison
reason audited on the last delivery, invalid messages audited once."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from azure.functions.queue import QueueMessage

from scripts.hr_receiver import Receiver, serving
from shared.callbacks.delivery import CallbackRefused, deliver
from shared.callbacks.deps import CallbackDeps, new_http_client
from shared.callbacks.settings import CallbackSettings
from shared.config import Secret
from shared.errors import ConfigurationError
from shared.outcomes import InvalidOutcomeMessage, Outcome, OutcomeKind
from shared.state import OnboardingRecord, StateStore, address_hash
from tests.shared.conftest import SECRET

NOW = datetime(2026, 4, 16, 2, 0, tzinfo=UTC)
GUEST = "0a5d2f34-6baa-4455-a3e7-0682c2094cac"
INSTANCE = "37eb5d5e-3c4e-4d8e-9f1a-2b3c4d5e6f70"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client() as client:
        yield client


def deps_for(
    url: str | None, store: StateStore, http: httpx.AsyncClient, secret: str = SECRET
) -> CallbackDeps:
    return CallbackDeps(
        settings=CallbackSettings(url=url),
        secret=Secret(secret),
        http=http,
        records=store.onboarding,
        audit=store.audit,
        clock=lambda: NOW,
        max_dequeue_count=5,
    )


def disabled() -> Outcome:
    data = {"groupId": "59ab642a-2776-4e32-9b68-9ff7a47b7f6a", "instanceId": INSTANCE}
    return Outcome(OutcomeKind.DISABLED, NOW, f"review:{INSTANCE}", user_id=GUEST, data=data)


def delivered(text: str, *, dequeue_count: int = 1, ident: str | None = None) -> QueueMessage:
    """What the host hands the function: the queue text, base64-decoded (host.json)."""
    body = base64.b64decode(text)
    return QueueMessage(
        id=ident or str(uuid.uuid4()), body=body, dequeue_count=dequeue_count, pop_receipt="r"
    )


async def test_a_callback_is_signed_as_standard_webhooks_with_hrs_reference(
    store: StateStore, http: httpx.AsyncClient
) -> None:
    await store.onboarding.create_onboarding(
        OnboardingRecord(address_hash("ada@fabrikam.com"), GUEST, NOW, "HR-1001")
    )
    receiver = Receiver(SECRET)
    with serving(receiver) as url:
        status = await deliver(deps_for(url, store, http), delivered(disabled().message().encode()))
    assert status == 204
    [got] = receiver.received
    assert got.webhook_id == disabled().webhook_id  # stable: HR drops a duplicate
    assert got.payload == {
        "type": "guest.disabled",
        "timestamp": "2026-04-16T02:00:00Z",
        "data": {
            "userId": GUEST,
            "groupId": disabled().data["groupId"],
            "instanceId": INSTANCE,
            "externalRef": "HR-1001",
        },
    }
    [record] = await store.audit.list_audit(guest_id=GUEST)
    assert (record.action, record.outcome, record.detail) == (
        "hr-callback",
        "delivered",
        "guest.disabled: HTTP 204",
    )


async def test_another_secret_is_refused_by_the_receiver(store: StateStore, http: httpx.AsyncClient) -> None:
    receiver = Receiver(SECRET)
    other = "whsec_" + base64.b64encode(b"another-secret-of-32-bytes-long!").decode()
    with serving(receiver) as url, pytest.raises(CallbackRefused) as refused:
        await deliver(deps_for(url, store, http, secret=other), delivered(disabled().message().encode()))
    assert refused.value.status == 401
    assert receiver.refused_signatures == 1


async def test_a_failing_receiver_is_raised_then_the_last_delivery_records_the_poison_reason(
    store: StateStore, http: httpx.AsyncClient
) -> None:
    receiver = Receiver(SECRET, always_fail=True)
    text, ident = disabled().message().encode(), str(uuid.uuid4())
    with serving(receiver) as url:
        deps = deps_for(url, store, http)
        for attempt in range(1, 5):
            with pytest.raises(CallbackRefused):
                await deliver(deps, delivered(text, dequeue_count=attempt, ident=ident))
        assert await store.audit.list_audit() == []
        with pytest.raises(CallbackRefused):
            await deliver(deps, delivered(text, dequeue_count=5, ident=ident))
    [poisoned] = await store.audit.list_audit()
    assert (poisoned.action, poisoned.outcome, poisoned.guest_id) == ("hr-callback", "poisoned", GUEST)
    assert (
        poisoned.detail
        == "CallbackRefused: HR answered 503; after delivery 5 the host moves it to hr-callbacks-poison"
    )
    assert receiver.attempts(disabled().webhook_id) == 5


async def test_an_unreachable_receiver_is_a_failure_like_any_other(
    store: StateStore, http: httpx.AsyncClient
) -> None:
    with serving(Receiver(SECRET)) as url:
        pass  # the port is closed again
    with pytest.raises(httpx.ConnectError):
        await deliver(deps_for(url, store, http), delivered(disabled().message().encode(), dequeue_count=5))
    [poisoned] = await store.audit.list_audit()
    assert poisoned.detail is not None
    assert poisoned.detail.startswith("ConnectError: HR could not be reached;")


async def test_an_invalid_message_is_audited_once_and_raised_every_time(
    store: StateStore, http: httpx.AsyncClient
) -> None:
    text, ident = base64.b64encode(b'{"webhookId": "nope"}').decode(), str(uuid.uuid4())
    deps = deps_for("https://hr.fabrikam.com/guestkeeper", store, http)
    for attempt in (1, 2):
        with pytest.raises(InvalidOutcomeMessage):
            await deliver(deps, delivered(text, dequeue_count=attempt, ident=ident))
    [invalid] = await store.audit.list_audit()
    assert (invalid.outcome, invalid.detail) == (
        "invalid",
        "InvalidOutcomeMessage: webhookId must be msg_ and 32 hex digits; it can never succeed and goes to "
        "hr-callbacks-poison",
    )


async def test_a_message_left_after_the_url_was_removed_names_the_setting(
    store: StateStore, http: httpx.AsyncClient
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        await deliver(deps_for(None, store, http), delivered(disabled().message().encode()))
    assert caught.value.names == ("HR_CALLBACK_URL",)
