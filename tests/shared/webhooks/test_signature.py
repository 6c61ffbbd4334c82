"""Standard Webhooks verification: compatible with the ``standardwebhooks`` library, exact windows."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from shared.config import Secret
from shared.errors import ConfigurationError, SignatureRejected
from shared.webhooks.settings import WebhookSettings, webhook_key
from shared.webhooks.signature import sign, verify
from tests.shared.conftest import SECRET, signed_headers

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = WebhookSettings(secret=Secret(SECRET), tolerance_seconds=300)
BODY = b'{"email":"ada@fabrikam.com","groups":[]}'


def test_accepts_what_the_library_signs() -> None:
    headers = signed_headers(BODY, webhook_id="msg_1", at=NOW)
    delivery = verify(BODY, headers, SETTINGS, now=NOW + timedelta(seconds=299))
    assert delivery.webhook_id == "msg_1"
    assert delivery.timestamp == NOW


def test_library_accepts_what_we_sign() -> None:
    key = webhook_key(Secret(SECRET))
    assert key is not None
    stamp = int(datetime.now(UTC).timestamp())
    headers = {
        "webhook-id": "msg_2",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(key, "msg_2", stamp, BODY),
    }
    assert Webhook(SECRET).verify(BODY, headers) == {"email": "ada@fabrikam.com", "groups": []}


def test_any_of_several_signatures_may_match() -> None:
    headers = signed_headers(BODY, webhook_id="msg_3", at=NOW)
    other = "v1," + base64.b64encode(b"x" * 32).decode()
    headers["webhook-signature"] = f"v2,abc {other} garbage v1,!!! {headers['webhook-signature']}"
    assert verify(BODY, headers, SETTINGS, now=NOW).webhook_id == "msg_3"


def test_header_names_are_case_insensitive() -> None:
    headers = {k.title(): v for k, v in signed_headers(BODY, at=NOW).items()}
    verify(BODY, headers, SETTINGS, now=NOW)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers(missing: str) -> None:
    headers = signed_headers(BODY, at=NOW)
    del headers[missing]
    with pytest.raises(SignatureRejected) as caught:
        verify(BODY, headers, SETTINGS, now=NOW)
    assert caught.value.slug == "signature-missing"
    assert [e.field for e in caught.value.errors] == [f"header:{missing}"]


@pytest.mark.parametrize("skew", [-301, 301, 10_000])
def test_timestamps_outside_tolerance(skew: int) -> None:
    headers = signed_headers(BODY, at=NOW)
    with pytest.raises(SignatureRejected) as caught:
        verify(BODY, headers, SETTINGS, now=NOW + timedelta(seconds=skew))
    assert caught.value.slug == "signature-expired"


def test_tolerance_comes_from_settings() -> None:
    headers = signed_headers(BODY, at=NOW)
    tight = WebhookSettings(secret=Secret(SECRET), tolerance_seconds=10)
    with pytest.raises(SignatureRejected):
        verify(BODY, headers, tight, now=NOW + timedelta(seconds=11))


OTHER_SECRET = "whsec_" + base64.b64encode(b"another-secret-of-32-bytes-long!").decode()


@pytest.mark.parametrize(
    ("body", "secret", "overrides"),
    [
        (BODY + b" ", SECRET, {}),
        (BODY, OTHER_SECRET, {}),
        (BODY, SECRET, {"webhook-id": "msg_other"}),
        (BODY, SECRET, {"webhook-timestamp": str(int(NOW.timestamp()) + 1)}),
        (BODY, SECRET, {"webhook-signature": "v1,not-base64"}),
        (BODY, SECRET, {"webhook-timestamp": "12.5"}),
        (BODY, SECRET, {"webhook-id": "has space"}),
    ],
)
def test_wrong_signatures(body: bytes, secret: str, overrides: dict[str, str]) -> None:
    headers = signed_headers(BODY, webhook_id="msg_1", at=NOW, secret=secret) | overrides
    with pytest.raises(SignatureRejected) as caught:
        verify(body, headers, SETTINGS, now=NOW)
    assert caught.value.slug == "signature-invalid"


def test_a_settings_object_with_a_bad_secret_is_a_configuration_error() -> None:
    bad = WebhookSettings(secret=Secret("whsec_"), tolerance_seconds=300)
    with pytest.raises(ConfigurationError):
        verify(BODY, signed_headers(BODY, at=NOW), bad, now=NOW)


@given(st.binary(max_size=256), st.text(min_size=1, max_size=40))
def test_random_signatures_never_verify(body: bytes, signature: str) -> None:
    headers = {
        "webhook-id": "msg_f",
        "webhook-timestamp": str(int(NOW.timestamp())),
        "webhook-signature": signature,
    }
    with pytest.raises(SignatureRejected):
        verify(body, headers, SETTINGS, now=NOW)
