"""Replay refusal: webhook ids are claimed before processing and marked done or refused after,
so a redelivered id is answered from the table instead of onboarding twice."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.state.records import Claim
from shared.state.table import Table, storage_errors

STALE_CLAIM = timedelta(minutes=15)  # longer than any onboarding call (functionTimeout is 10 min)


def _key(value: str) -> str:
    """A row key for a caller-chosen string (row keys forbid '/', '#', '?' and control characters)."""
    return hashlib.sha256(value.encode()).hexdigest()


class WebhookClaims:
    """The ``webhook`` partition: one row per sha256 of a webhook id."""

    partitions = frozenset({"webhook"})

    def __init__(self, table: Table) -> None:
        self._table = table

    async def claim_webhook(self, webhook_id: str, *, now: datetime) -> Claim:
        """Atomically claim a webhook id before processing; a stale in-progress claim is taken over."""
        table = await self._table.client()
        key = _key(webhook_id)
        entity = {"PartitionKey": "webhook", "RowKey": key, "State": "processing", "At": now}
        with storage_errors():
            try:
                await table.create_entity(entity)
                return Claim.CLAIMED
            except ResourceExistsError:
                pass
            try:
                existing = await table.get_entity("webhook", key)
            except ResourceNotFoundError:  # released in between: one more try
                return await self.claim_webhook(webhook_id, now=now)
            if existing["State"] != "processing":
                return Claim.REPLAYED
            if now - existing["At"] < STALE_CLAIM:
                return Claim.IN_PROGRESS
            try:
                await table.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=existing.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
            except ResourceModifiedError:
                return Claim.IN_PROGRESS
            return Claim.CLAIMED

    async def finish_webhook(self, webhook_id: str, *, status: int, now: datetime) -> None:
        """Mark a claim final: a later delivery with this id is a replay."""
        table = await self._table.client()
        state = "done" if status < 400 else "refused"
        entity = {"PartitionKey": "webhook", "RowKey": _key(webhook_id), "State": state}
        with storage_errors():
            await table.upsert_entity(entity | {"At": now, "Status": status}, mode=UpdateMode.REPLACE)

    async def webhook_status(self, webhook_id: str) -> int | None:
        """The status a finished delivery was recorded with: 200 for any success, else the refusal's."""
        table = await self._table.client()
        with storage_errors():
            try:
                entity = await table.get_entity("webhook", _key(webhook_id), select=["Status"])
            except ResourceNotFoundError:
                return None
        status = entity.get("Status")
        return int(status) if isinstance(status, int) else None

    async def release_webhook(self, webhook_id: str) -> None:
        """Forget a claim after a transient failure, so the sender's retry with this id is processed."""
        table = await self._table.client()
        with storage_errors():
            await table.delete_entity("webhook", _key(webhook_id))

    async def purge_webhook_claims(self, *, older_than: datetime) -> int:
        """Delete claims older than the replay window (timestamps that old are refused anyway)."""
        table = await self._table.client()
        query = "PartitionKey eq 'webhook' and At lt @cutoff"
        count = 0
        with storage_errors():
            async for entity in table.query_entities(query, parameters={"cutoff": older_than}):
                await table.delete_entity("webhook", entity["RowKey"])
                count += 1
        return count
