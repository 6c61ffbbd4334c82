"""HR callback settings: off by default, every bad value named, and the secret that signs."""

from __future__ import annotations

import pytest

from shared.config import Secret
from shared.errors import ConfigurationError
from shared.settings import Settings
from shared.worker import Worker
from tests.shared.conftest import SECRET, settings_env

OTHER_SECRET = "whsec_" + "b3RoZXItc2VjcmV0LWZvci1jYWxsYmFja3MhIQ=="


def settings(**env: str) -> Settings:
    return Settings.from_env(settings_env(**env))


def test_off_by_default() -> None:
    section = settings().callbacks
    assert (section.url, section.secret, section.queue_name) == (None, None, "hr-callbacks")
    assert section.poison_queue_name == "hr-callbacks-poison"


def test_values_are_read() -> None:
    section = settings(
        HR_CALLBACK_URL="https://hr.fabrikam.com/guestkeeper/",
        HR_CALLBACK_SECRET=OTHER_SECRET,
        HR_CALLBACK_QUEUE_NAME="hr-outcomes",
    ).callbacks
    assert section.url == "https://hr.fabrikam.com/guestkeeper"
    assert section.secret == Secret(OTHER_SECRET)
    assert section.queue_name == "hr-outcomes"
    assert "b3Ro" not in repr(section)  # the secret is masked


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HR_CALLBACK_URL", "http://hr.fabrikam.com/callbacks"),  # http only for loopback receivers
        ("HR_CALLBACK_URL", "hr.fabrikam.com"),
        ("HR_CALLBACK_SECRET", "not-a-secret"),
        ("HR_CALLBACK_SECRET", "whsec_c2hvcnQ="),  # base64 of 5 bytes
        ("HR_CALLBACK_QUEUE_NAME", "HR_Callbacks"),
        ("HR_CALLBACK_QUEUE_NAME", "a" * 60),  # no room for -poison
    ],
)
def test_bad_values_are_named(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        settings(**{name: value})
    assert caught.value.names == (name,)


def test_a_loopback_receiver_may_use_http() -> None:
    assert settings(HR_CALLBACK_URL="http://127.0.0.1:8081/hr").callbacks.url == "http://127.0.0.1:8081/hr"


@pytest.mark.parametrize(("own", "signing"), [(None, SECRET), (OTHER_SECRET, OTHER_SECRET)])
async def test_callbacks_are_signed_with_their_own_secret_else_the_webhook_secret(
    own: str | None, signing: str, graph, store
) -> None:
    env = {"HR_CALLBACK_SECRET": own} if own else {}
    worker = Worker(settings=settings(**env), graph=graph, store=store)
    try:
        assert worker.callbacks().secret == Secret(signing)
    finally:
        await worker.close()
