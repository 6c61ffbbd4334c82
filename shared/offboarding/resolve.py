"""Step 1, finding each guest by its address, as Graph knows it; no state, no write.

A B2B guest's address is its ``mail`` (the invitation sets it) or one of its ``otherMails``; its
``userPrincipalName`` is ``{local}_{domain}#EXT#@{tenant}``, never the address. Both ``eq`` filters
(``otherMails`` through ``any``) and ``userType eq`` are served without advanced query parameters
(learn.microsoft.com/graph/aad-advanced-queries), so one ``GET /users`` per guest, 20 to a
``$batch``, finds it, whether Guestkeeper onboarded it or not. Then one ``getMemberGroups`` each
(``shared.graph.guest_access``) says which groups it is in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph.graph_service_client import GraphServiceClient

from shared.errors import AmbiguousGuest, FieldError, GuestkeeperError, GuestNotFound, ValidationFailed
from shared.graph import guest_access
from shared.graph.batch import BatchRequest, BatchResponse, RetryPolicy, send_batch
from shared.graph.guest_access import GuestFacts
from shared.graph.odata import string_literal
from shared.offboarding.leaver import Leaver
from shared.offboarding.models import OffboardRequest
from shared.state import address_hash
from shared.webhooks.fields import repeated_address

GUEST_FIELDS = ["id", "userType", "accountEnabled"]


def guests_by_address(graph: GraphServiceClient, address: str) -> RequestInformation:
    """``GET /users?$filter=(mail eq 'a' or otherMails/any(m:m eq 'a')) and userType eq 'Guest'``;
    ``$top=2`` is enough to tell one guest from several."""
    literal = string_literal(address)
    query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        filter=f"(mail eq {literal} or otherMails/any(m:m eq {literal})) and userType eq 'Guest'",
        select=GUEST_FIELDS,
        top=2,
    )
    return graph.users.to_get_request_information(RequestConfiguration(query_parameters=query))


def admit(
    requests_: Sequence[OffboardRequest | ValidationFailed],
    prefix: Callable[[int], str],
    errors: dict[int, GuestkeeperError],
) -> list[Leaver]:
    """Drop invalid entries and repeated addresses; the rest go on."""
    leavers: list[Leaver] = []
    seen: dict[str, int] = {}
    for index, request in enumerate(requests_):
        if not isinstance(request, OffboardRequest):
            errors[index] = request
            continue
        key = address_hash(request.address)
        if (repeated := repeated_address(seen, key, prefix(index))) is not None:
            errors[index] = repeated
            continue
        seen[key] = index
        leavers.append(Leaver(index, request, prefix(index), key))
    return leavers


async def find_guests(
    graph: GraphServiceClient, retry: RetryPolicy, leavers: list[Leaver], errors: dict[int, GuestkeeperError]
) -> list[Leaver]:
    """The leavers found as exactly one guest, with their groups; the others get their refusal."""
    if not leavers:
        return leavers
    searches = [
        BatchRequest(f"s{n}", guests_by_address(graph, leaver.request.address))
        for n, leaver in enumerate(leavers)
    ]
    answers = await send_batch(graph, searches, policy=retry)
    found: dict[str, Leaver] = {}
    for n, leaver in enumerate(leavers):
        guest = _one_guest(answers[f"s{n}"], leaver)
        if isinstance(guest, GuestkeeperError):
            errors[leaver.index] = guest
            continue
        if guest["id"] in found:  # two addresses of one guest (mail and otherMails) in one request
            twin = found[guest["id"]].prefix.rstrip(".")
            field = FieldError(f"{leaver.prefix}email", f"is an address of the same guest as {twin}")
            errors[leaver.index] = ValidationFailed("A bulk request names a guest twice.", errors=[field])
            continue
        found[guest["id"]] = leaver
        enabled = guest.get("accountEnabled")
        leaver.facts = GuestFacts(
            guest["id"], None, guest.get("userType"), enabled if isinstance(enabled, bool) else None
        )
    groups = await guest_access.look_up(graph, found, retry, with_user=False) if found else {}
    for guest_id, leaver in found.items():
        assert leaver.facts is not None
        if not groups[guest_id].found:  # deleted since the search
            errors[leaver.index] = _not_found(leaver)
            continue
        facts = leaver.facts
        leaver.facts = GuestFacts(guest_id, groups[guest_id].groups, facts.user_type, facts.enabled)
    return [leaver for leaver in found.values() if leaver.index not in errors]


def _one_guest(answer: BatchResponse, leaver: Leaver) -> dict[str, Any] | GuestkeeperError:
    if not answer.ok:
        return answer.failure()
    body = answer.body if isinstance(answer.body, dict) else {}
    guests = [g for g in body.get("value") or [] if isinstance(g, dict) and isinstance(g.get("id"), str)]
    if not guests:
        return _not_found(leaver)
    if len(guests) > 1 or body.get("@odata.nextLink"):
        return AmbiguousGuest(
            "More than one guest has this address (as mail or in otherMails): offboard them by hand.",
            errors=[FieldError(f"{leaver.prefix}email", "matches several guests")],
            extensions={"guestIds": [g["id"] for g in guests]},
        )
    return guests[0]


def _not_found(leaver: Leaver) -> GuestNotFound:
    return GuestNotFound(
        "No guest user in the tenant has this address as its mail or in its otherMails.",
        errors=[FieldError(f"{leaver.prefix}email", "matches no guest")],
    )
