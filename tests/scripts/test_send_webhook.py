"""scripts/send_webhook.py: what it signs is what the app accepts; where the secret comes from."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scripts.send_webhook import FEELGOOD, ROOT, main, parse_args, payload_of, signed_headers, webhook_secret
from shared.config import Secret
from shared.errors import SignatureRejected
from shared.webhooks.settings import WebhookSettings
from shared.webhooks.signature import verify

SAMPLE_SECRET = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]["WEBHOOK_SECRET"]


def test_signature_is_accepted_by_the_app() -> None:
    body = b'{"email": "john@tailspintoys.com"}'
    headers = signed_headers(SAMPLE_SECRET, body, webhook_id="msg_1")
    settings = WebhookSettings(secret=Secret(SAMPLE_SECRET), tolerance_seconds=300)
    delivery = verify(body, headers, settings, now=datetime.now(UTC))
    assert delivery.webhook_id == "msg_1"
    assert headers["content-type"] == "application/json"


def test_signature_with_another_secret_is_refused() -> None:
    body = b"{}"
    headers = signed_headers("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVg==", body)
    settings = WebhookSettings(secret=Secret(SAMPLE_SECRET), tolerance_seconds=300)
    with pytest.raises(SignatureRejected):
        verify(body, headers, settings, now=datetime.now(UTC))


def test_default_payload_is_john_doe_into_feelgood() -> None:
    assert payload_of(parse_args([])) == {
        "email": "john@tailspintoys.com",
        "displayName": "John Doe",
        "groups": [FEELGOOD],
        "externalRef": "HR-1001",
    }


def test_batch_payload_wraps_the_guest() -> None:
    args = parse_args(["--batch", "--email", "ada@fabrikam.com", "--group", "g1", "--group", "g2"])
    assert payload_of(args)["guests"][0]["groups"] == ["g1", "g2"]


def test_secret_from_environment_wins_over_the_file(tmp_path: Path) -> None:
    settings = tmp_path / "s.json"
    settings.write_text(json.dumps({"Values": {"WEBHOOK_SECRET": "from-file"}}))
    assert webhook_secret({"WEBHOOK_SECRET": "from-env"}, settings) == "from-env"
    assert webhook_secret({}, settings) == "from-file"


def test_unreachable_host_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", "http://127.0.0.1:9"]) == 1
    assert "is the host running at http://127.0.0.1:9?" in capsys.readouterr().err
