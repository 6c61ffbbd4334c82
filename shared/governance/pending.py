"""Guestkeeper's guests whose invitation is still pending, and since when.

One list request finds every guest that never redeemed:
``GET /users?$filter=userType eq 'Guest' and externalUserState eq 'PendingAcceptance'`` (``eq`` on
``externalUserState`` is a default query, no ``ConsistencyLevel`` needed; ``$select`` must name it,
and ``externalUserStateChangeDateTime``, which Graph returns only on ``$select`` and cannot compare
with ``ge``/``le``, so the age is computed here). Only the guests Guestkeeper onboarded are kept:
the onboarding record of the guest's ``mail`` (its address hash) must name this user. Guests that
others invited are theirs to manage. A disabled guest is left out too: cleanup, an offboarding or an
administrator disabled it, so a reminder would invite someone whose access was taken away, and the
grace deletion, not the expiry, decides when it goes. The address is held in memory for the
reminder, never logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.graph_service_client import GraphServiceClient

from shared.graph.paging import list_all
from shared.state import OnboardingRecords, address_hash

PENDING_FILTER = "userType eq 'Guest' and externalUserState eq 'PendingAcceptance'"
PENDING_FIELDS = ["id", "mail", "accountEnabled", "externalUserStateChangeDateTime", "createdDateTime"]
PAGE_SIZE = 999  # the largest page Graph serves for users


@dataclass(frozen=True)
class PendingGuest:
    guest_id: str
    address: str = field(repr=False)  # the invited address (mail), for the reminder
    since: dt.datetime  # when the invitation state last changed (the invitation), else creation
    external_ref: str | None = field(default=None, repr=False)

    def age_days(self, now: dt.datetime) -> float:
        return (now - self.since).total_seconds() / 86400


async def find_pending(graph: GraphServiceClient, records: OnboardingRecords) -> list[PendingGuest]:
    """Guestkeeper's guests with a pending invitation (one list request per 999 pending guests)."""
    builder = graph.users
    query = builder.UsersRequestBuilderGetQueryParameters(
        filter=PENDING_FILTER, select=PENDING_FIELDS, top=PAGE_SIZE
    )
    items = await list_all(
        graph, builder.to_get_request_information(RequestConfiguration(query_parameters=query))
    )
    by_key = {address_hash(item["mail"]): item for item in items if _usable(item)}
    onboarded = await records.find_onboardings(list(by_key)) if by_key else {}
    found = []
    for key, item in by_key.items():
        since = _since(item)
        if key in onboarded and onboarded[key].guest_id == item["id"] and since is not None:
            found.append(PendingGuest(item["id"], item["mail"], since, onboarded[key].external_ref))
    return found


def _usable(item: dict[str, Any]) -> bool:
    """An enabled guest with an id and an address."""
    if item.get("accountEnabled") is False:
        return False
    return isinstance(item.get("id"), str) and isinstance(item.get("mail"), str) and "@" in item["mail"]


def _since(item: dict[str, Any]) -> dt.datetime | None:
    """When the invitation became pending; None (never acted on) when Graph gives no date."""
    raw = item.get("externalUserStateChangeDateTime") or item.get("createdDateTime")
    if not isinstance(raw, str):
        return None
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(dt.UTC)
    except ValueError:
        return None
