"""Success answers: one guest (201 created / 200 existed) and the bulk form (207 Multi-Status).

A bulk request that was accepted as a whole always answers 207: each entry carries its own
status (201, 200, or a problem's status) so an HR sync can retry exactly the entries that failed.
"""

from __future__ import annotations

from typing import Any

from shared.onboarding.models import BulkOutcome, OnboardingResult
from shared.webhooks.problems import Reply, reply_for_error


def reply_for_result(result: OnboardingResult) -> Reply:
    return Reply(result.http_status, result.to_json())


def reply_for_bulk(outcome: BulkOutcome) -> Reply:
    entries: list[dict[str, Any]] = []
    counts = {"created": 0, "existing": 0, "refused": 0, "failed": 0}
    for item in outcome.items:
        entry: dict[str, Any] = {"index": item.index}
        if item.external_ref is not None:
            entry["externalRef"] = item.external_ref
        if item.result is not None:
            entry["status"] = item.result.http_status
            entry["guest"] = item.result.to_json()
            counts["created" if item.result.created else "existing"] += 1
        else:
            assert item.error is not None
            problem = reply_for_error(item.error)
            entry["status"] = problem.status
            entry["problem"] = problem.body
            counts["refused" if problem.status < 500 else "failed"] += 1
        entries.append(entry)
    return Reply(207, {"results": entries, "summary": {"total": len(entries), **counts}})
