"""How the story talks to the running system: the host's HTTP entry points, the emulator's control
plane, the state table, and the host's record of finished invocations.

``Driver.step()`` times each step and counts the Graph round trips the app made during it; anything
that goes wrong inside a step becomes ``StoryFailed`` naming the step. Every wait is bounded by
``Endpoints.wait_seconds``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue.aio import QueueClient

from scripts.hr_receiver import Received, Receiver
from scripts.send_webhook import post_signed
from scripts.story_report import StepRecord
from shared.state import StateStore

if TYPE_CHECKING:
    from devhost import DevHost

T = TypeVar("T")


class Invocations(Protocol):
    """What the host has run: ``(function name, succeeded)`` per finished invocation, oldest first.

    The demo reads devhost's log (``scripts.demo.LogInvocations``); in-process callers use
    ``HostInvocations(host)``. The admin endpoint answers 202 before the function runs, so this is how
    the story knows a run finished, and whether it failed.
    """

    def finished(self) -> Sequence[tuple[str, bool]]: ...


@dataclass(frozen=True)
class HostInvocations:
    """``Invocations`` of an in-process ``devhost.DevHost`` (its ``invocations`` history)."""

    host: DevHost

    def finished(self) -> list[tuple[str, bool]]:
        return [(r.function, r.succeeded) for r in self.host.invocations]


@dataclass(frozen=True)
class Endpoints:
    app_url: str  # the Functions host, e.g. http://127.0.0.1:7071 (routes under /api)
    function_key: str | None
    emulator_url: str  # the emulator's root, e.g. http://127.0.0.1:8765 (Graph at /v1.0)
    storage_connection: str  # the host's AzureWebJobsStorage (the state table lives there)
    webhook_secret: str
    invocations: Invocations
    state_table: str = "guestkeeper"
    route_prefix: str = "api"
    wait_seconds: float = 60.0  # bound of every wait; a clear error when it passes
    # The app reads the emulator's clock (GRAPH_EMULATOR_CLOCK): HR signs its webhooks on that clock
    # too, else the app would refuse them as stale once the story has moved it.
    business_clock: bool = False
    hr: Receiver | None = None  # HR's callback endpoint, when the app's HR_CALLBACK_URL points at it
    hr_callback_queue: str = "hr-callbacks"  # the app's HR_CALLBACK_QUEUE_NAME


class StoryFailed(RuntimeError):
    """A step of the story did not produce what it should; ``step`` names it."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


class Problem(Exception):
    """Raised inside a step; the step wraps it into ``StoryFailed`` with its own name."""


@dataclass
class Driver:
    endpoints: Endpoints
    http: httpx.AsyncClient
    store: StateStore
    progress: Callable[[StepRecord], None] | None = None
    steps: list[StepRecord] = field(default_factory=list)
    current: str = "starting"
    # Round trips when the last step ended: the next step counts from here, so that requests the
    # app makes between two steps (the queue function starts as soon as a message is enqueued)
    # are counted once, never lost in the gap.
    mark: int | None = None

    # -- plumbing --------------------------------------------------------------------------------

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.http.request(
            method, f"{self.endpoints.emulator_url}/_emulator{path}", json=body
        )
        if response.status_code >= 400:
            raise Problem(
                f"emulator {method} /_emulator{path} answered {response.status_code}: {response.text}"
            )
        return response.json() if response.content else None

    async def round_trips(self) -> int:
        summary = await self.control("GET", "/requests")
        return int(summary["roundTrips"])

    @asynccontextmanager
    async def step(self, number: int, title: str) -> AsyncIterator[list[str]]:
        """One numbered step of the issue's story: timed, its Graph round trips counted.

        Steps are contiguous: each counts from where the one before ended, so the steps' round
        trips add up to the story's total even while a queue-triggered function runs between them.
        """
        self.current = title
        details: list[str] = []
        started = time.monotonic()
        trips = self.mark if self.mark is not None else await self.round_trips()
        try:
            yield details
        except Problem as exc:
            raise StoryFailed(title, str(exc)) from exc
        except Exception as exc:  # e.g. the host or storage unreachable: still name the step
            raise StoryFailed(title, f"{type(exc).__name__}: {exc}") from exc
        self.mark = await self.round_trips()
        record = StepRecord(number, title, "; ".join(details), time.monotonic() - started, self.mark - trips)
        self.steps.append(record)
        if self.progress is not None:
            self.progress(record)

    async def poll(self, what: str, probe: Callable[[], Awaitable[T | None]], interval: float = 0.1) -> T:
        """Poll ``probe`` until it returns a value; ``Problem`` naming ``what`` after the bound."""
        deadline = time.monotonic() + self.endpoints.wait_seconds
        while True:
            value = await probe()
            if value is not None:
                return value
            if time.monotonic() > deadline:
                raise Problem(f"timed out after {self.endpoints.wait_seconds:.0f}s waiting for {what}")
            await asyncio.sleep(interval)

    def finished(self, function: str) -> list[bool]:
        return [ok for name, ok in self.endpoints.invocations.finished() if name == function]

    # -- the entry points ------------------------------------------------------------------------

    async def onboard(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The HR system's signed webhook to ``POST /api/guests``; the answer plus its status."""
        return await self._hr_webhook("guests", name, payload, (200, 201))

    async def offboard(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The HR system's signed webhook to ``POST /api/guests/offboard``; the answer plus its status."""
        return await self._hr_webhook("guests/offboard", name, payload, (200,))

    async def _hr_webhook(
        self, route: str, name: str, payload: dict[str, Any], expected: tuple[int, ...]
    ) -> dict[str, Any]:
        prefix = f"/{self.endpoints.route_prefix}" if self.endpoints.route_prefix else ""
        response = await post_signed(
            self.http,
            f"{self.endpoints.app_url}{prefix}/{route}",
            payload,
            secret=self.endpoints.webhook_secret,
            key=self.endpoints.function_key,
            at=await self.now() if self.endpoints.business_clock else None,
        )
        if response.status_code not in expected:
            status, text = response.status_code, response.text
            raise Problem(f"POST {prefix}/{route} for {name} answered {status}: {text}")
        body: dict[str, Any] = response.json()
        return body | {"status": response.status_code}

    async def redeem(self, user_id: str) -> None:
        """The guest opens the invitation e-mail's link (the emulator's stand-in for the browser)."""
        issued = (await self.control("GET", "/state"))["invitations"]
        mine = [i["id"] for i in issued if i["userId"] == user_id]
        if not mine:
            raise Problem(f"no invitation was issued to user {user_id}")
        await self.control("POST", f"/invitations/{mine[-1]}/redeem")

    async def run_governance(self) -> None:
        """``POST /admin/functions/governance_run`` (202 at once), then wait for the run to finish."""
        before = len(self.finished("governance_run"))
        response = await self.http.post(
            f"{self.endpoints.app_url}/admin/functions/governance_run", json={"input": ""}
        )
        if response.status_code != 202:
            raise Problem(f"POST /admin/functions/governance_run answered {response.status_code}")

        async def done() -> bool | None:
            runs = self.finished("governance_run")
            return runs[before] if len(runs) > before else None

        if not await self.poll("the governance run to finish", done):
            raise Problem("the governance run failed (see the host's log)")

    async def instances(self, definition_id: str) -> list[dict[str, Any]]:
        found = await self.control("GET", f"/accessReviews/instances?definitionId={definition_id}")
        return list(found["value"])

    async def set_clock(self, at: datetime) -> datetime:
        now = await self.control("POST", "/clock", {"set": iso(at)})
        return parse_time(now["now"])

    async def now(self) -> datetime:
        return parse_time((await self.control("GET", "/clock"))["now"])

    # -- HR's side -------------------------------------------------------------------------------

    @property
    def hr(self) -> Receiver:
        if self.endpoints.hr is None:
            raise Problem("no HR callback receiver: the app's HR_CALLBACK_URL is not the story's")
        return self.endpoints.hr

    async def hr_callbacks(self, wanted: set[tuple[str, str]]) -> list[Received]:
        """Wait until HR has accepted a callback of each ``(event type, guest id)``; those callbacks."""

        async def arrived() -> list[Received] | None:
            found = [r for r in self.hr.received if r.status == 204 and _event(r) in wanted]
            return found if {_event(r) for r in found} >= wanted else None

        return await self.poll(f"HR callbacks {', '.join(sorted(k for k, _ in wanted))}", arrived)

    async def hr_settled(self) -> list[Received]:
        """Wait until every outcome the app published has been delivered: its HR callback queue is
        empty and HR accepted one callback per successful delivery; everything HR received."""
        async with QueueClient.from_connection_string(
            self.endpoints.storage_connection, self.endpoints.hr_callback_queue
        ) as queue:

            async def settled() -> list[Received] | None:
                try:
                    waiting = (await queue.get_queue_properties()).approximate_message_count
                except ResourceNotFoundError:  # created with the first outcome: none was published
                    waiting = 0
                delivered = sum(self.finished("deliver_hr_callback"))
                received = list(self.hr.received)
                accepted = sum(1 for r in received if r.status == 204)
                return received if waiting == 0 and accepted == delivered else None

            return await self.poll("the HR callback queue to drain", settled)


def _event(received: Received) -> tuple[str, str]:
    """``(event type, guest id)`` of a callback."""
    data = received.payload.get("data") or {}
    return str(received.payload.get("type")), str(data.get("userId"))


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
