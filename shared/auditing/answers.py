"""The audit as JSON: one record's shape and the two bodies of ``GET /api/audit``, which the
command line (``python -m shared.audit --json``) shares. docs/openapi.yaml is the contract."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shared.auditing.lookup import GuestTrail
from shared.state import AuditRecord


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record_json(record: AuditRecord) -> dict[str, Any]:
    """A record as JSON; a JSON detail (a summary's, a guard's, an invitation's) is expanded."""
    body: dict[str, Any] = {"at": timestamp(record.at), "action": record.action, "outcome": record.outcome}
    optional = {"guestId": record.guest_id, "groupId": record.group_id, "instanceId": record.instance_id}
    body |= {k: v for k, v in optional.items() if v is not None}
    if record.decision is not None:
        body["decision"] = record.decision
    if record.detail is not None:
        body["detail"] = _expanded(record.detail)
    return body


def _expanded(detail: str) -> Any:
    if detail.startswith("{"):
        try:
            return json.loads(detail)
        except ValueError:
            return detail
    return detail


def facts_json(trail: GuestTrail) -> dict[str, Any]:
    """What the state table knows about the guest besides its records; null where it knows nothing."""
    onboarding, denial, disabled = trail.onboarding, trail.denial, trail.disabled
    return {
        "onboarded": {"at": timestamp(onboarding.created_at)} if onboarding else None,
        "denied": {"at": timestamp(denial.denied_at), "instanceId": denial.instance_id} if denial else None,
        "disabled": (
            {"at": timestamp(disabled.disabled_at), "instanceId": disabled.instance_id} if disabled else None
        ),
    }


def guest_json(trail: GuestTrail) -> dict[str, Any]:
    records = [record_json(r) for r in trail.records]
    return {"guestId": trail.guest_id, "facts": facts_json(trail), "count": len(records), "records": records}


def round_json(instance_id: str, records: list[AuditRecord]) -> dict[str, Any]:
    return {"instanceId": instance_id, "count": len(records), "records": [record_json(r) for r in records]}
