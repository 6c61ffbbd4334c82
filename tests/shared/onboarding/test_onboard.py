"""The onboarding domain against the emulator and Azurite: outcomes, request budgets, faults, bulk."""

from __future__ import annotations

import math
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graph_emulator import FaultConfig, FaultRule
from shared.errors import (
    Forbidden,
    OnboardingIncomplete,
    PolicyRefused,
    RecentlyDenied,
    TargetNotEligible,
    ValidationFailed,
)
from shared.graph.batch import RetryPolicy
from shared.graph.pacing import SlidingWindowLimiter
from shared.graph.permissions import ONBOARDING, SPONSORS
from shared.onboarding.deps import OnboardingDeps
from shared.onboarding.gateway import DirectoryGateway
from shared.onboarding.models import MembershipStatus, OnboardingResult, SponsorStatus
from shared.onboarding.onboard import onboard_guest, onboard_guests
from shared.onboarding.validation import parse_bulk_request, parse_guest_request
from shared.settings import Settings
from shared.state import StateStore
from shared.worker import Worker
from tests.shared.conftest import (
    FAST_RETRIES,
    FEELGOOD,
    MEGAN,
    RETAIL,
    ROLE_ASSIGNABLE,
    SALES,
    SECURITY_GROUP,
    UNIFIED,
    UNKNOWN_GROUP,
    guest,
    make_settings,
)

EXTRA_GROUPS = [str(uuid.UUID(int=0x5EED0000_0000_4000_8000_000000000000 + i)) for i in range(17)]
TWENTY = [*UNIFIED, *EXTRA_GROUPS]


def onboarding_deps(
    graph: Any, settings: Settings, store: StateStore, gateway: DirectoryGateway
) -> OnboardingDeps:
    return Worker(settings=settings, graph=graph, store=store, gateway=gateway).onboarding()


@pytest.fixture
def gateway() -> DirectoryGateway:
    return DirectoryGateway(policy=FAST_RETRIES)


@pytest.fixture
def wide_settings(storage_connection_string: str, table_name: str, emulator_state: Any) -> Settings:
    """Twenty Unified groups in the tenant and in the allowlist."""
    emulator_state.load(
        {
            "groups": [
                {
                    "id": g,
                    "displayName": f"Project {i}",
                    "groupTypes": ["Unified"],
                    "mailEnabled": True,
                    "securityEnabled": False,
                }
                for i, g in enumerate(EXTRA_GROUPS)
            ]
        }
    )
    allowed = ",".join([*TWENTY, SECURITY_GROUP, ROLE_ASSIGNABLE, UNKNOWN_GROUP])
    return make_settings(
        AzureWebJobsStorage=storage_connection_string,
        STATE_TABLE_NAME=table_name,
        ONBOARDING_ALLOWED_GROUP_IDS=allowed,
    )


@pytest.fixture
def onboard(graph: Any, settings: Settings, store: StateStore, gateway: DirectoryGateway) -> Any:
    async def run(
        payload: dict[str, Any],
        *,
        client: Any = None,
        config: Settings | None = None,
        gw: DirectoryGateway | None = None,
    ) -> OnboardingResult:
        deps = onboarding_deps(client or graph, config or settings, store, gw or gateway)
        return await onboard_guest(deps, parse_guest_request(payload), delivery=f"test-{uuid.uuid4().hex}")

    return run


def members(emulator_state: Any, group_id: str) -> set[str]:
    return set(emulator_state.directory.groups[group_id].members)


async def test_new_guest_into_groups_with_a_sponsor(onboard: Any, emulator_state: Any) -> None:
    result = await onboard(guest(groups=[FEELGOOD, RETAIL], sponsor=MEGAN, externalRef="HR-7"))
    assert result.created is True
    assert result.http_status == 201
    assert [g.status for g in result.groups] == [MembershipStatus.ADDED] * 2
    assert result.sponsor is not None
    assert result.sponsor.status is SponsorStatus.ADDED
    assert result.invited.status == "PendingAcceptance"
    assert result.invited.redeem_url
    assert result.external_ref == "HR-7"
    user = emulator_state.directory.users[result.invited.user_id]
    assert user.user_type == "Guest"
    assert user.sponsors == [MEGAN]
    assert result.invited.user_id in members(emulator_state, FEELGOOD) & members(emulator_state, RETAIL)


async def test_again_is_idempotent_and_answers_200(onboard: Any, emulator_state: Any) -> None:
    first = await onboard(guest(groups=[FEELGOOD], sponsor=MEGAN))
    users_before = len(emulator_state.directory.users)
    second = await onboard(guest("ADA@fabrikam.com", groups=[FEELGOOD, RETAIL], sponsor=MEGAN))
    assert second.created is False
    assert second.invited.user_id == first.invited.user_id
    assert [g.status for g in second.groups] == [MembershipStatus.ALREADY_MEMBER, MembershipStatus.ADDED]
    assert second.sponsor is not None
    assert second.sponsor.status is SponsorStatus.ALREADY_SPONSOR
    assert len(emulator_state.directory.users) == users_before


async def test_request_budget_new_guest_into_twenty_groups(
    graph: Any,
    wide_settings: Settings,
    store: StateStore,
    gateway: DirectoryGateway,
    onboard: Any,
    emulator_state: Any,
) -> None:
    await onboard(guest("warmup@fabrikam.com", groups=TWENTY), config=wide_settings)  # group facts now cached
    emulator_state.requests.clear()
    result = await onboard(guest(groups=TWENTY), config=wide_settings)
    assert [g.status for g in result.groups] == [MembershipStatus.ADDED] * 20
    assert emulator_state.requests.round_trips <= 2
    emulator_state.requests.clear()
    again = await onboard(guest(groups=TWENTY), config=wide_settings)
    assert {g.status for g in again.groups} == {MembershipStatus.ALREADY_MEMBER}
    assert emulator_state.requests.round_trips <= 2


async def test_cold_worker_pays_one_batched_facts_round(onboard: Any, emulator_state: Any) -> None:
    await onboard(guest(groups=[FEELGOOD, RETAIL, SALES], sponsor=MEGAN))
    assert emulator_state.requests.round_trips == 3
    summary = emulator_state.requests.summary()["operationsByRoute"]
    assert summary["GET /v1.0/groups/{group_id}"] == 3
    assert summary["GET /v1.0/users/{user_id}"] == 1


@pytest.mark.parametrize(
    ("groups", "sponsor", "slug", "field", "message"),
    [
        ([SECURITY_GROUP], None, "group-not-eligible", "groups[0]", "Unified"),
        ([FEELGOOD, ROLE_ASSIGNABLE], None, "group-not-eligible", "groups[1]", "role-assignable"),
        ([UNKNOWN_GROUP], None, "group-not-eligible", "groups[0]", "does not exist"),
        ([FEELGOOD], "3e4d5c6b-7a8f-4b9c-8d1e-2f3a4b5c6d7e", None, None, None),  # Alex: a member, fine
        (
            [FEELGOOD],
            "12345678-1234-4234-8234-123456789012",
            "sponsor-not-eligible",
            "sponsor",
            "does not exist",
        ),
    ],
)
async def test_target_eligibility_is_checked_before_any_write(
    onboard: Any,
    emulator_state: Any,
    groups: list[str],
    sponsor: str | None,
    slug: str | None,
    field: str | None,
    message: str | None,
) -> None:
    payload = guest(groups=groups) | ({"sponsor": sponsor} if sponsor else {})
    if slug is None:
        await onboard(payload)
        return
    with pytest.raises(TargetNotEligible) as caught:
        await onboard(payload)
    assert caught.value.slug == slug
    assert [e.field for e in caught.value.errors] == [field]
    assert message is not None
    assert message in caught.value.errors[0].message
    assert emulator_state.requests.writes == 0


async def test_a_guest_cannot_sponsor(onboard: Any, emulator_state: Any) -> None:
    other = await onboard(guest("vendor@fabrikam.com"))
    with pytest.raises(TargetNotEligible) as caught:
        await onboard(guest(sponsor=other.invited.user_id))
    assert caught.value.slug == "sponsor-not-eligible"
    assert "internal" in caught.value.errors[0].message


async def test_recently_denied_guest_is_refused_unless_overridden(
    onboard: Any, store: StateStore, emulator_state: Any
) -> None:
    first = await onboard(guest())
    await store.denials.record_denial(
        first.invited.user_id, "instance-9", datetime.now(UTC) - timedelta(days=10)
    )
    emulator_state.requests.clear()
    with pytest.raises(RecentlyDenied) as caught:
        await onboard(guest())
    assert caught.value.status == 409
    assert caught.value.extensions["guestId"] == first.invited.user_id
    assert emulator_state.requests.round_trips == 0
    result = await onboard(guest(override={"reason": "Contract renewed, approved by the group owner"}))
    assert result.override_recorded is True
    audit = await store.audit.list_audit(guest_id=first.invited.user_id)
    assert [(a.action, a.instance_id, a.detail) for a in audit][-1] == (
        "onboarding.cooldown-override",
        "instance-9",
        "Contract renewed, approved by the group owner",
    )
    assert {a.action for a in audit[:-1]} == {"onboarding.invite", "onboarding.add-membership"}


async def test_an_old_denial_or_a_zero_cooldown_does_not_block(
    onboard: Any, store: StateStore, storage_connection_string: str, table_name: str
) -> None:
    first = await onboard(guest())
    await store.denials.record_denial(first.invited.user_id, "i", datetime.now(UTC) - timedelta(days=91))
    assert (await onboard(guest())).override_recorded is False
    await store.denials.record_denial(first.invited.user_id, "i", datetime.now(UTC))
    no_cooldown = make_settings(
        AzureWebJobsStorage=storage_connection_string,
        STATE_TABLE_NAME=table_name,
        ONBOARDING_DENIAL_COOLDOWN_DAYS="0",
    )
    await onboard(guest(), config=no_cooldown)


async def test_replication_delay_of_a_new_guest_is_retried(onboard: Any, emulator_state: Any) -> None:
    emulator_state.faults.configure(FaultConfig(replication_delay_s=0.5))
    started = time.monotonic()
    result = await onboard(guest(groups=[FEELGOOD, RETAIL], sponsor=MEGAN))
    assert result.complete
    assert time.monotonic() - started < 3.0
    statuses = [e.status for e in emulator_state.requests.entries if e.inner and "$ref" in e.path]
    assert 404 in statuses
    assert statuses.count(204) == 3


async def test_throttled_invitation_is_retried_after_retry_after(onboard: Any, emulator_state: Any) -> None:
    emulator_state.faults.configure(
        FaultConfig(
            rules=[FaultRule(status=429, method="POST", path="^/invitations", count=1, retry_after=1)]
        )
    )
    started = time.monotonic()
    result = await onboard(guest())
    assert result.created
    assert 1.0 <= time.monotonic() - started < 3.0


async def test_failing_membership_writes_leave_it_incomplete_then_a_retry_completes(
    onboard: Any, emulator_state: Any, store: StateStore
) -> None:
    rule = FaultRule(status=503, method="POST", path=f"^/groups/{RETAIL}/members", retry_after=1)
    emulator_state.faults.configure(FaultConfig(rules=[rule]))
    impatient = DirectoryGateway(policy=RetryPolicy(max_attempts=2))
    with pytest.raises(OnboardingIncomplete) as caught:
        await onboard(guest(groups=[FEELGOOD, RETAIL]), gw=impatient)
    assert caught.value.transient is True
    statuses = {g.group_id: g.status for g in caught.value.result.groups}
    assert statuses == {FEELGOOD: MembershipStatus.ADDED, RETAIL: MembershipStatus.FAILED}
    emulator_state.faults.configure(FaultConfig())
    result = await onboard(guest(groups=[FEELGOOD, RETAIL]))
    assert result.created is True  # the record is written once the onboarding is complete
    assert [g.status for g in result.groups] == [MembershipStatus.ALREADY_MEMBER, MembershipStatus.ADDED]


async def test_least_privilege_permissions_are_sufficient_and_each_is_needed(
    make_graph: Any, onboard: Any
) -> None:
    needed = list(ONBOARDING)
    result = await onboard(guest("p0@fabrikam.com"), client=make_graph(roles=needed))
    assert result.complete
    sponsor = await onboard(
        guest("p1@fabrikam.com", sponsor=MEGAN), client=make_graph(roles=[*needed, *SPONSORS])
    )
    assert sponsor.complete
    for n, missing in enumerate([*needed, *SPONSORS]):
        roles = [p for p in [*needed, *SPONSORS] if p != missing]
        failed: Exception | None = None
        fresh = DirectoryGateway(policy=FAST_RETRIES)  # no cached facts
        try:
            await onboard(
                guest(f"q{n}@fabrikam.com", sponsor=MEGAN), client=make_graph(roles=roles), gw=fresh
            )
        except Exception as exc:
            failed = exc
        if missing == "User.Invite.All":
            assert failed is None  # User.ReadWrite.All (needed for sponsors) also grants invitations
        else:
            assert isinstance(failed, Forbidden | OnboardingIncomplete), missing


async def test_bulk_request_budget_and_per_guest_results(
    graph: Any, settings: Settings, store: StateStore, gateway: DirectoryGateway, emulator_state: Any
) -> None:
    n = 45
    payload = {"guests": [guest(f"bulk{i}@fabrikam.com", groups=[UNIFIED[i % 3]]) for i in range(n)]}
    parsed = parse_bulk_request(payload, max_guests=200)
    outcome = await onboard_guests(
        onboarding_deps(graph, settings, store, gateway), parsed, delivery=f"test-{uuid.uuid4().hex}"
    )
    assert all(item.result is not None and item.result.created for item in outcome.items)
    assert emulator_state.requests.round_trips <= 2 * math.ceil(n / 20) + 1  # + one facts round
    again = await onboard_guests(
        onboarding_deps(graph, settings, store, gateway), parsed, delivery=f"test-{uuid.uuid4().hex}"
    )
    assert all(item.result is not None and not item.result.created for item in again.items)


async def test_bulk_mixed_entries(
    graph: Any, settings: Settings, store: StateStore, gateway: DirectoryGateway, emulator_state: Any
) -> None:
    payload = {
        "guests": [
            guest("one@fabrikam.com"),
            {"email": "broken"},
            guest("two@blocked.example"),
            guest("One@Fabrikam.com"),
            guest("three@fabrikam.com", groups=[SECURITY_GROUP]),
            guest("four@fabrikam.com", externalRef="HR-4"),
        ]
    }
    parsed = parse_bulk_request(payload, max_guests=10)
    outcome = await onboard_guests(
        onboarding_deps(graph, settings, store, gateway), parsed, delivery=f"test-{uuid.uuid4().hex}"
    )
    kinds = [type(i.error).__name__ if i.error else "ok" for i in outcome.items]
    assert kinds == ["ok", "ValidationFailed", "PolicyRefused", "ValidationFailed", "TargetNotEligible", "ok"]
    duplicate = outcome.items[3].error
    assert isinstance(duplicate, ValidationFailed)
    assert duplicate.errors[0].field == "guests[3].email"
    assert isinstance(outcome.items[2].error, PolicyRefused)
    assert outcome.items[5].external_ref == "HR-4"


async def test_bulk_is_paced_under_the_invitation_limit(
    graph: Any, settings: Settings, store: StateStore, emulator_state: Any
) -> None:
    """A tenant limit of 40 invitations per second (scaled down from 150 per 5 s): never a 429."""
    emulator_state.faults.configure(
        FaultConfig(invitation_throttling=True, invitation_limit=40, invitation_window_s=1.0)
    )
    gateway = DirectoryGateway(limiter=SlidingWindowLimiter(40, 1.0), policy=FAST_RETRIES)
    payload = {"guests": [guest(f"paced{i}@fabrikam.com") for i in range(100)]}
    parsed = parse_bulk_request(payload, max_guests=200)
    started = time.monotonic()
    outcome = await onboard_guests(
        onboarding_deps(graph, settings, store, gateway), parsed, delivery=f"test-{uuid.uuid4().hex}"
    )
    assert all(item.result is not None for item in outcome.items)
    assert not [e for e in emulator_state.requests.entries if e.status == 429]
    assert time.monotonic() - started >= 1.0  # 100 invitations at 40/s need two more windows


def test_the_worker_pacer_defaults_to_graphs_invitation_limit() -> None:
    limiter = DirectoryGateway().limiter
    assert (limiter.limit, limiter.window) == (150, 5.0)
