"""Step 6, the onboarding record: an atomic create decides 201 (this request created it) or 200; an
incomplete onboarding creates none, so that the sender's retry completes it."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from shared.errors import GraphFailure, NotFound, OnboardingIncomplete, StateUnavailable, Transient
from shared.onboarding.candidate import Candidate
from shared.onboarding.models import BulkItem, OnboardingResult
from shared.state import OnboardingRecord, OnboardingRecords

log = logging.getLogger("guestkeeper.onboarding")


async def finish(
    records: OnboardingRecords,
    guest: Candidate,
    result: OnboardingResult,
    failures: list[GraphFailure],
    now: datetime,
) -> BulkItem:
    """A complete onboarding creates its record (201) or finds it (200); an incomplete one fails."""
    ref = guest.request.external_ref
    if failures:
        _log_result(result)
        transient = all(isinstance(f, Transient | NotFound) for f in failures)
        error = OnboardingIncomplete(result, transient=transient, retry_after=5.0 if transient else None)
        return BulkItem(guest.index, ref, error=error)
    try:
        record = OnboardingRecord(guest.key, result.invited.user_id, now, ref)
        created = await records.create_onboarding(record)
    except StateUnavailable as exc:
        return BulkItem(guest.index, ref, error=exc)
    result = replace(result, created=created)
    _log_result(result)
    return BulkItem(guest.index, ref, result=result)


def _log_result(result: OnboardingResult) -> None:
    statuses = ",".join(f"{g.group_id}:{g.status.value}" for g in result.groups)
    sponsor = result.sponsor.status.value if result.sponsor else "none"
    log.info(
        "guest %s onboarded: created=%s complete=%s invitation=%s groups=[%s] sponsor=%s",
        result.invited.user_id,
        result.created,
        result.complete,
        result.invited.status,
        statuses,
        sponsor,
    )
