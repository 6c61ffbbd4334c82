"""The state table: what Graph cannot tell us, in one Azure Table of the Functions storage account.

Partitions (``PartitionKey``) and their row keys:

- ``webhook``    sha256 of a webhook id: claimed, then done or refused (replay refusal)
- ``onboarding`` hash of a normalised e-mail address -> guest object id (201 vs 200, cool-down)
- ``denial``     guest object id -> latest review denial (written by cleanup)
- ``audit``      time-ordered key -> one action (guest, group, instance, action, outcome, detail);
                 cleanup's rows have stable keys (``cleanup-{instance}-...``) so re-runs never duplicate
- ``checkpoint`` access-review instance id -> handled, with a summary
- ``enqueued``   access-review instance id -> its cleanup message was sent (governance sweep)
- ``drained``    review definition id -> an old series whose every instance was handed to cleanup

Addresses are never stored: only a salted sha256 of the lower-cased address. Every storage
failure other than the expected conflicts becomes ``StateUnavailable`` (HTTP 503).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableTransactionError, UpdateMode
from azure.data.tables.aio import TableClient

from shared.config import StorageSettings
from shared.errors import StateUnavailable

ADDRESS_SALT = b"guestkeeper/address/v1\x00"
STALE_CLAIM = timedelta(minutes=15)  # longer than any onboarding call (functionTimeout is 10 min)
TRANSACTION_SIZE = 100  # entity-group transactions: at most 100 operations, one partition
KEYS_PER_QUERY = 14  # a $filter allows 15 comparisons: the partition and 14 row keys


def address_hash(address: str) -> str:
    """The key of an onboarding record: never the address itself."""
    return hashlib.sha256(ADDRESS_SALT + address.strip().lower().encode()).hexdigest()


def _key(value: str) -> str:
    """A row key for a caller-chosen string (row keys forbid '/', '#', '?' and control characters)."""
    return hashlib.sha256(value.encode()).hexdigest()


class Claim(Enum):
    CLAIMED = "claimed"
    REPLAYED = "replayed"  # done or refused before
    IN_PROGRESS = "in-progress"  # another delivery with this id is being processed


@dataclass(frozen=True)
class OnboardingRecord:
    address_hash: str
    guest_id: str
    created_at: datetime


@dataclass(frozen=True)
class Denial:
    guest_id: str
    instance_id: str
    denied_at: datetime


@dataclass(frozen=True)
class DisabledGuest:
    """A guest cleanup disabled because no group access was left; deleted after the grace period."""

    guest_id: str
    instance_id: str
    disabled_at: datetime


@dataclass(frozen=True)
class AuditRecord:
    action: str
    outcome: str
    at: datetime
    guest_id: str | None = None
    group_id: str | None = None
    instance_id: str | None = None
    detail: str | None = None  # e.g. an override's reason; never an address
    decision: str | None = None  # the review decision behind a cleanup action (Deny, Approve, ...)
    key: str | None = field(default=None, compare=False)  # a stable row key (see record_audit_once)

    def entity(self) -> dict[str, Any]:
        row = self.key or f"{self.at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:12]}"
        entity: dict[str, Any] = {"PartitionKey": "audit", "RowKey": row, "Action": self.action}
        entity |= {"Outcome": self.outcome, "At": self.at}
        optional = {"GuestId": self.guest_id, "GroupId": self.group_id}
        optional |= {"InstanceId": self.instance_id, "Detail": self.detail, "Decision": self.decision}
        return entity | {k: v for k, v in optional.items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> AuditRecord:
        return cls(
            action=entity["Action"],
            outcome=entity["Outcome"],
            at=entity["At"],
            guest_id=entity.get("GuestId"),
            group_id=entity.get("GroupId"),
            instance_id=entity.get("InstanceId"),
            detail=entity.get("Detail"),
            decision=entity.get("Decision"),
            key=entity["RowKey"],
        )


@contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    except AzureError as exc:
        raise StateUnavailable(f"state table unavailable: {type(exc).__name__}") from exc


class StateStore:
    """Typed access to the state table; the table is created on first use."""

    def __init__(self, table: TableClient) -> None:
        self._table = table
        self._ready = False
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, storage: StorageSettings) -> StateStore:
        if storage.connection_string is not None:
            table = TableClient.from_connection_string(storage.connection_string.reveal(), storage.table_name)
        else:
            from azure.identity.aio import ManagedIdentityCredential

            assert storage.table_service_uri is not None  # Settings guarantees one of the two
            credential = ManagedIdentityCredential(client_id=storage.client_id)
            table = TableClient(storage.table_service_uri, storage.table_name, credential=credential)
        return cls(table)

    async def close(self) -> None:
        await self._table.close()

    async def _client(self) -> TableClient:
        if not self._ready:
            async with self._lock:
                if not self._ready:
                    with _storage_errors(), suppress(ResourceExistsError):
                        await self._table.create_table()
                    self._ready = True
        return self._table

    # -- webhook ids: replay refusal --------------------------------------------------------------

    async def claim_webhook(self, webhook_id: str, *, now: datetime) -> Claim:
        """Atomically claim a webhook id before processing; a stale in-progress claim is taken over."""
        table = await self._client()
        key = _key(webhook_id)
        entity = {"PartitionKey": "webhook", "RowKey": key, "State": "processing", "At": now}
        with _storage_errors():
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
        table = await self._client()
        state = "done" if status < 400 else "refused"
        entity = {"PartitionKey": "webhook", "RowKey": _key(webhook_id), "State": state}
        with _storage_errors():
            await table.upsert_entity(entity | {"At": now, "Status": status}, mode=UpdateMode.REPLACE)

    async def webhook_status(self, webhook_id: str) -> int | None:
        """The status a finished delivery was recorded with: 200 for any success, else the refusal's."""
        table = await self._client()
        with _storage_errors():
            try:
                entity = await table.get_entity("webhook", _key(webhook_id), select=["Status"])
            except ResourceNotFoundError:
                return None
        status = entity.get("Status")
        return int(status) if isinstance(status, int) else None

    async def release_webhook(self, webhook_id: str) -> None:
        """Forget a claim after a transient failure, so the sender's retry with this id is processed."""
        table = await self._client()
        with _storage_errors():
            await table.delete_entity("webhook", _key(webhook_id))

    async def purge_webhook_claims(self, *, older_than: datetime) -> int:
        """Delete claims older than the replay window (timestamps that old are refused anyway)."""
        table = await self._client()
        query = "PartitionKey eq 'webhook' and At lt @cutoff"
        count = 0
        with _storage_errors():
            async for entity in table.query_entities(query, parameters={"cutoff": older_than}):
                await table.delete_entity("webhook", entity["RowKey"])
                count += 1
        return count

    # -- onboarding records and review denials ---------------------------------------------------

    async def get_onboarding(self, key: str) -> OnboardingRecord | None:
        table = await self._client()
        with _storage_errors():
            try:
                entity = await table.get_entity("onboarding", key)
            except ResourceNotFoundError:
                return None
        return OnboardingRecord(key, entity["GuestId"], entity["CreatedAt"])

    async def create_onboarding(self, record: OnboardingRecord) -> bool:
        """Create the record; False if it existed (its guest id is updated if the guest changed)."""
        table = await self._client()
        entity = {"PartitionKey": "onboarding", "RowKey": record.address_hash, "GuestId": record.guest_id}
        with _storage_errors():
            try:
                await table.create_entity(entity | {"CreatedAt": record.created_at})
                return True
            except ResourceExistsError:
                pass
            existing = await table.get_entity("onboarding", record.address_hash)
            if existing["GuestId"] != record.guest_id:
                await table.update_entity(entity, mode=UpdateMode.MERGE)
        return False

    async def record_denial(self, guest_id: str, instance_id: str, at: datetime) -> None:
        """Remember that a review denied ``guest_id`` (the latest denial wins)."""
        await self.record_denials({guest_id: at}, instance_id)

    async def record_denials(self, denied_at: Mapping[str, datetime], instance_id: str) -> None:
        """``record_denial`` for a whole round: the stored dates are read 14 guests a query and the
        newer denials written 100 a transaction, instead of a read and an upsert per guest."""
        table = await self._client()
        ids = list(denied_at)
        stored: dict[str, datetime] = {}
        with _storage_errors():
            for start in range(0, len(ids), KEYS_PER_QUERY):
                names = {f"g{i}": guest for i, guest in enumerate(ids[start : start + KEYS_PER_QUERY])}
                keys = " or ".join(f"RowKey eq @{name}" for name in names)
                query = f"PartitionKey eq 'denial' and ( {keys} )"  # azure-data-tables splits on spaces
                found = table.query_entities(query, parameters=names, select=["RowKey", "DeniedAt"])
                stored |= {entity["RowKey"]: entity["DeniedAt"] async for entity in found}
            rows = [
                {"PartitionKey": "denial", "RowKey": guest, "InstanceId": instance_id, "DeniedAt": at}
                for guest, at in denied_at.items()
                if guest not in stored or stored[guest] <= at
            ]
            for start in range(0, len(rows), TRANSACTION_SIZE):
                chunk = rows[start : start + TRANSACTION_SIZE]
                await table.submit_transaction([("upsert", e, {"mode": UpdateMode.REPLACE}) for e in chunk])

    async def latest_denial(self, guest_id: str) -> Denial | None:
        table = await self._client()
        with _storage_errors():
            try:
                entity = await table.get_entity("denial", guest_id)
            except ResourceNotFoundError:
                return None
        return Denial(guest_id, entity["InstanceId"], entity["DeniedAt"])

    # -- audit trail and instance checkpoints ----------------------------------------------------

    async def record_audit(self, record: AuditRecord) -> None:
        table = await self._client()
        with _storage_errors():
            await table.create_entity(record.entity())

    async def list_audit(
        self, *, guest_id: str | None = None, instance_id: str | None = None
    ) -> list[AuditRecord]:
        """Audit records, oldest first, optionally for one guest and/or one review instance."""
        table = await self._client()
        clauses, parameters = ["PartitionKey eq 'audit'"], {}
        if guest_id is not None:
            clauses.append("GuestId eq @guest")
            parameters["guest"] = guest_id
        if instance_id is not None:
            clauses.append("InstanceId eq @instance")
            parameters["instance"] = instance_id
        with _storage_errors():
            entities = table.query_entities(" and ".join(clauses), parameters=parameters)
            found = [AuditRecord.from_entity(e) async for e in entities]
        return sorted(found, key=lambda r: r.at)  # stable: keyed rows are not time-ordered

    async def record_audit_once(self, records: Sequence[AuditRecord], *, replace: bool = False) -> None:
        """Write records with stable keys: an existing key is kept (first write wins) unless ``replace``.

        Rows go in entity-group transactions of 100 (one partition, one request each); a
        transaction that meets an existing row falls back to one create per record.
        """
        entities = list({r.key: r.entity() for r in records if r.key}.values())
        if not replace:
            await self._create_once(entities)
            return
        table = await self._client()
        with _storage_errors():
            for start in range(0, len(entities), TRANSACTION_SIZE):
                chunk = entities[start : start + TRANSACTION_SIZE]
                await table.submit_transaction([("upsert", e, {"mode": UpdateMode.REPLACE}) for e in chunk])

    async def _create_once(self, entities: Sequence[dict[str, Any]]) -> None:
        """Create rows of one partition 100 a transaction; a transaction that meets an existing row
        falls back to one create per row, and existing rows are kept."""
        table = await self._client()
        with _storage_errors():
            for start in range(0, len(entities), TRANSACTION_SIZE):
                chunk = entities[start : start + TRANSACTION_SIZE]
                try:
                    await table.submit_transaction([("create", e) for e in chunk])
                except TableTransactionError:
                    for entity in chunk:
                        with suppress(ResourceExistsError):
                            await table.create_entity(entity)

    async def audit_with_key_prefix(self, prefix: str) -> list[AuditRecord]:
        """Keyed records whose key starts with ``prefix``: a range scan, not a partition scan."""
        table = await self._client()
        query = "PartitionKey eq 'audit' and RowKey ge @low and RowKey lt @high"
        bounds = {"low": prefix, "high": prefix[:-1] + chr(ord(prefix[-1]) + 1)}
        with _storage_errors():
            return [AuditRecord.from_entity(e) async for e in table.query_entities(query, parameters=bounds)]

    async def mark_instance_done(self, instance_id: str, *, at: datetime, summary: Mapping[str, Any]) -> None:
        table = await self._client()
        entity = {"PartitionKey": "checkpoint", "RowKey": instance_id, "DoneAt": at, **summary}
        with _storage_errors():
            await table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    async def instance_done(self, instance_id: str) -> bool:
        table = await self._client()
        with _storage_errors():
            try:
                await table.get_entity("checkpoint", instance_id, select=["RowKey"])
            except ResourceNotFoundError:
                return False
        return True

    async def done_instances(self) -> set[str]:
        """Every instance cleanup checkpointed (one query: the sweep skips them in bulk)."""
        return await self._row_keys("PartitionKey eq 'checkpoint'", {})

    # -- the governance sweep: cleanup messages sent, old series drained -------------------------

    async def mark_enqueued(
        self, instance_id: str, *, definition_id: str, group_id: str, at: datetime
    ) -> None:
        """Record a sent cleanup message. Written after the send: a crash in between costs at most a
        duplicate message, which cleanup handles idempotently, never a lost one."""
        table = await self._client()
        entity = {"PartitionKey": "enqueued", "RowKey": instance_id, "DefinitionId": definition_id}
        with _storage_errors():
            await table.upsert_entity(
                entity | {"GroupId": group_id, "EnqueuedAt": at}, mode=UpdateMode.REPLACE
            )

    async def enqueued_instances(self, definition_id: str) -> set[str]:
        """The instances of one definition already enqueued: one query per sweep, not one per instance."""
        query = "PartitionKey eq 'enqueued' and DefinitionId eq @definition"
        return await self._row_keys(query, {"definition": definition_id})

    async def mark_drained(self, definition_id: str, *, at: datetime) -> None:
        """An ended series whose every instance was handed to cleanup: later sweeps skip it."""
        table = await self._client()
        with _storage_errors():
            await table.upsert_entity({"PartitionKey": "drained", "RowKey": definition_id, "At": at})

    async def drained_definitions(self) -> set[str]:
        return await self._row_keys("PartitionKey eq 'drained'", {})

    async def _row_keys(self, query: str, parameters: dict[str, Any]) -> set[str]:
        table = await self._client()
        with _storage_errors():
            entities = table.query_entities(query, parameters=parameters, select=["RowKey"])
            return {e["RowKey"] async for e in entities}

    # -- guests disabled by cleanup, awaiting deletion after the grace period --------------------

    async def record_disabled(self, guest_id: str, *, instance_id: str, at: datetime) -> None:
        """Remember when cleanup disabled ``guest_id``; the first date is kept on re-runs."""
        await self.record_disabled_many([guest_id], instance_id=instance_id, at=at)

    async def record_disabled_many(self, guest_ids: Iterable[str], *, instance_id: str, at: datetime) -> None:
        """``record_disabled`` for many guests: 100 creates a transaction, first dates still kept."""
        await self._create_once(
            [
                {"PartitionKey": "disabled", "RowKey": guest, "InstanceId": instance_id, "DisabledAt": at}
                for guest in dict.fromkeys(guest_ids)
            ]
        )

    async def disabled_before(self, cutoff: datetime) -> list[DisabledGuest]:
        """Guests disabled before ``cutoff``, oldest first: the candidates for deletion."""
        table = await self._client()
        query = "PartitionKey eq 'disabled' and DisabledAt lt @cutoff"
        with _storage_errors():
            found = [
                DisabledGuest(e["RowKey"], e["InstanceId"], e["DisabledAt"])
                async for e in table.query_entities(query, parameters={"cutoff": cutoff})
            ]
        return sorted(found, key=lambda d: d.disabled_at)

    async def clear_disabled(self, guest_id: str) -> None:
        """Forget a disabled guest (deleted, or access restored)."""
        table = await self._client()
        with _storage_errors(), suppress(ResourceNotFoundError):
            await table.delete_entity("disabled", guest_id)
