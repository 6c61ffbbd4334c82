"""Step 4, the account: disabled when the guest has no group left outside the managed ones (the rule
cleanup applies, ``shared.graph.guest_access.account_verdict``), then dated, so that governance's
grace deletion deletes it after ``GUEST_DELETE_GRACE_DAYS``, exactly as it deletes the guests a
review left with nothing.

One ``PATCH /users/{id}`` ``{"accountEnabled": false}`` per guest to disable, 20 to a ``$batch``.
The disabled date is the first one recorded (an earlier cleanup or offboarding keeps its date), so
``deleteAfter`` never moves. A dry run sends nothing and records nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from msgraph.graph_service_client import GraphServiceClient

from shared.errors import FieldError, GuestkeeperError, GuestNotFound
from shared.graph.batch import RetryPolicy
from shared.graph.guest_access import AccountVerdict, account_verdict, disable_accounts
from shared.offboarding.leaver import Leaver
from shared.offboarding.models import AccountStatus
from shared.state import OFFBOARDING, DisabledGuests

STATUS = {
    AccountVerdict.DISABLE: AccountStatus.DISABLED,
    AccountVerdict.ALREADY_DISABLED: AccountStatus.ALREADY_DISABLED,
    AccountVerdict.KEPT_OTHER_GROUPS: AccountStatus.KEPT_OTHER_ACCESS,
}


def plan(managed: Collection[str], leavers: list[Leaver], errors: dict[int, GuestkeeperError]) -> None:
    """Each guest's account status to be (``disabled`` meaning: to disable)."""
    for leaver in leavers:
        assert leaver.facts is not None
        verdict, _ = account_verdict(leaver.facts, managed)
        status = STATUS.get(verdict)
        if status is None:  # deleted, or no longer a guest, since it was found: nothing to offboard
            errors[leaver.index] = _gone(leaver)
        leaver.account = status


async def disable(
    graph: GraphServiceClient, retry: RetryPolicy, leavers: list[Leaver], errors: dict[int, GuestkeeperError]
) -> None:
    """Disable the accounts planned ``disabled``; a failed ``PATCH`` fails its guest."""
    doomed = {leaver.guest_id: leaver for leaver in leavers if leaver.account is AccountStatus.DISABLED}
    answers = await disable_accounts(graph, doomed, retry) if doomed else {}
    for guest_id, answer in answers.items():
        leaver = doomed[guest_id]
        if answer == 404:
            errors[leaver.index] = _gone(leaver)
        elif not isinstance(answer, int):
            errors[leaver.index] = answer


async def date(
    disabled: DisabledGuests,
    leavers: list[Leaver],
    *,
    now: datetime,
    grace_days: int,
    dry_run: bool,
) -> None:
    """``deleteAfter`` of each disabled guest, from its first disabled date (recorded now if none)."""
    dated = [leaver for leaver in leavers if leaver.account is not AccountStatus.KEPT_OTHER_ACCESS]
    if not dated:
        return
    since = await disabled.disabled_since(leaver.guest_id for leaver in dated)
    missing = [leaver.guest_id for leaver in dated if leaver.guest_id not in since]
    if missing and not dry_run:
        await disabled.record_disabled_many(missing, instance_id=OFFBOARDING, at=now)
    for leaver in dated:
        leaver.delete_after = since.get(leaver.guest_id, now) + timedelta(days=grace_days)


def _gone(leaver: Leaver) -> GuestNotFound:
    return GuestNotFound(
        "The guest was deleted, or is no longer a guest, while it was being offboarded.",
        errors=[FieldError(f"{leaver.prefix}email", "matches no guest any more")],
    )
