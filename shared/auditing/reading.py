"""One ``GET /api/audit``: parse the query, read the state table, answer JSON or refuse.

404 ``nothing-recorded`` when Guestkeeper knows nothing of the guest (no onboarding record, denial,
disabled date or record) or has no record of the round, so a client can tell "unknown" from "known,
nothing done yet". Logs carry the guest or instance id and counts, never an address.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from shared.auditing.answers import guest_json, round_json
from shared.auditing.deps import AuditingDeps
from shared.auditing.lookup import guest_trail, round_records
from shared.auditing.query import GuestQuery, parse_query
from shared.errors import NothingRecorded
from shared.webhooks.problems import Reply

log = logging.getLogger("guestkeeper.audit")


async def answer(deps: AuditingDeps, params: Mapping[str, str]) -> Reply:
    query = parse_query(params)
    if isinstance(query, GuestQuery):
        trail = await guest_trail(deps, query)
        by = "address" if query.address_key else "id"
        log.info("audit read: guest %s (by %s): %d records", trail.guest_id or "-", by, len(trail.records))
        if not trail.known:
            raise NothingRecorded(
                "Guestkeeper has no onboarding record, denial, disabled date or audit record of this guest."
            )
        return Reply(200, guest_json(trail))
    records = await round_records(deps.trail, query.instance_id)
    log.info("audit read: round %s: %d records", query.instance_id, len(records))
    if not records:
        raise NothingRecorded("Guestkeeper has no audit record of this review round (yet).")
    return Reply(200, round_json(query.instance_id, records))
