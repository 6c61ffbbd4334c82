"""Secrets and personal data: every log record of every scenario, at DEBUG, carries no e-mail address,
display name, bearer token, webhook secret, function key or storage key.

The suite's conftest scans every reliability test's records (soak, crash and resume, fuzz, least
privilege); here the scenarios are chosen to make the app talk: every onboarding outcome (created,
existing, refused by policy, validation, cool-down and its override, Graph failing, Graph refusing,
a crash), the bulk form, every offboarding outcome (disabled, kept, again, unknown, ambiguous, dry
run, Graph failing and refusing, bulk), the governance timer, cleanup succeeding and failing up to
the poison queue, pending invitations reminded and expired with their HR callbacks delivered,
retried and poisoned, the demo story on devhost (whose own log lines are included), a function key
sent in the query string, the audit read by address, and a Graph error whose message quotes the
input. Records are rendered as a handler would write them, tracebacks and their causes included.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from azure.functions.queue import QueueMessage
from azure.functions.timer import TimerRequest
from azure.storage.queue.aio import QueueClient
from kiota_http.middleware.options import RetryHandlerOption

from devhost.runner import DevHost, DevHostOptions
from graph_emulator import FaultConfig, FaultRule, TenantState
from scripts.hr_receiver import Receiver, serving
from scripts.story import ADA, JOHN
from shared.callbacks import trigger as callbacks_trigger
from shared.cleanup import trigger as cleanup_trigger
from shared.governance import trigger as governance_trigger
from shared.graph.client import StaticTokenCredential, build_graph_client
from shared.settings import Settings
from shared.state import StateStore
from shared.worker import LazyWorker, Worker
from tests.reliability import figures
from tests.reliability.pii import Collector, Sensitive, find_leaks
from tests.reliability.stack import ROOT, app_stack, watch
from tests.shared.cleanup.fixtures import FEELGOOD, finished_round
from tests.shared.conftest import MEGAN, RETAIL, SECRET, handler, settings_env
from tests.shared.governance.fixtures import invited_guest, queued, settings_for, unique_queue

PEOPLE = {
    "marguerite.oyelaran@fabrikam.com": "Marguerite Oyelaran",
    "o'shaughnessy.k@fabrikam.com": "Kiernan O'Shaughnessy",
    "h.vasquez-lindqvist@blocked.example": "Helena Vasquez-Lindqvist",
    "tobiah.quench@fabrikam.com": "Tobiah Quench",
}


def person(email: str, **fields: Any) -> dict[str, Any]:
    return {"email": email, "displayName": PEOPLE[email], "groups": [FEELGOOD]} | fields


def assert_clean(
    collector: Collector, sensitive: Sensitive, scenario: str, *, app_logged: bool = True
) -> None:
    lines = collector.lines()
    leaks = find_leaks(lines, sensitive.values)
    assert not leaks, "\n".join(leaks)
    if app_logged:  # the scan saw the app's own lines, not only the libraries'
        assert any(line.startswith(("guestkeeper", "shared.")) for line in lines)
    figures.add("personal data scan", **{f"{scenario}_records": len(lines)})


async def test_every_onboarding_outcome_logs_ids_and_outcomes_only(
    post: Any,
    worker: Worker,
    emulator_state: TenantState,
    make_graph: Any,
    sensitive: Sensitive,
    no_personal_data_in_logs: Collector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sensitive.add(*PEOPLE, *PEOPLE.values(), "Approved by", "Lindqvist")
    first = await post(person("marguerite.oyelaran@fabrikam.com", sponsor=MEGAN, groups=[FEELGOOD, RETAIL]))
    assert first.status == 201
    assert (await post(person("marguerite.oyelaran@fabrikam.com"))).status == 200
    assert (await post(person("h.vasquez-lindqvist@blocked.example"))).status == 403
    bad = {
        "email": "Tobiah Quench <tobiah.quench@fabrikam.com>",
        "displayName": "Tobiah Quench",
        "groups": [],
    }
    assert (await post(bad)).status == 422
    await worker.store.denials.record_denial(
        first.json["userId"], "round-1", datetime.now(UTC) - timedelta(days=2)
    )
    assert (await post(person("marguerite.oyelaran@fabrikam.com"))).status == 409
    reason = "Approved by marguerite.oyelaran@fabrikam.com's sponsor, Marguerite Oyelaran"
    overridden = await post(person("marguerite.oyelaran@fabrikam.com", override={"reason": reason}))
    assert overridden.status == 200
    emulator_state.faults.configure(FaultConfig(rules=[FaultRule(status=503, retry_after=1)]))
    assert (await post(person("o'shaughnessy.k@fabrikam.com"))).status == 503
    emulator_state.faults.configure(FaultConfig())
    worker.graph = make_graph(roles=["GroupMember.Read.All", "GroupMember.ReadWrite.All"])  # no invitations
    assert (await post(person("o'shaughnessy.k@fabrikam.com"))).status == 502
    worker.graph = make_graph()
    bulk = {"guests": [person(e) for e in PEOPLE]}
    assert (await post(bulk, bulk=True)).status == 207

    async def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"could not onboard {PEOPLE['tobiah.quench@fabrikam.com']} <tobiah.quench@fabrikam.com>"
        )

    monkeypatch.setattr("shared.onboarding.intake.onboard_guest", explode)
    assert (await post(person("tobiah.quench@fabrikam.com"))).status == 500
    assert_clean(no_personal_data_in_logs, sensitive, "onboarding")


LEAVERS = {
    "r.quillon-ashby@partners.example": "Rosalind Quillon-Ashby",
    "t.okonkwo-brandt@partners.example": "Temperance Okonkwo-Brandt",
    "o'hallorhan.v@partners.example": "Vespera O'Hallorhan",
}


async def test_every_offboarding_outcome_logs_ids_and_outcomes_only(
    offboard: Any,
    worker: Worker,
    settings: Settings,
    emulator_state: TenantState,
    make_graph: Any,
    sensitive: Sensitive,
    no_personal_data_in_logs: Collector,
) -> None:
    from tests.emulator.access_review_fixtures import add_group, add_guest

    sensitive.add(*LEAVERS, *LEAVERS.values(), "Quillon", "Okonkwo", "O'Hallorhan", "HR-4411")
    extranet = add_group(emulator_state, "Partner Extranet").id
    users = []
    for n, (address, name) in enumerate(LEAVERS.items()):
        user = add_guest(emulator_state, f"Leaver{n}", groups=(FEELGOOD, extranet) if n == 1 else (FEELGOOD,))
        user.display_name, user.mail = name, address
        users.append(user)
    twin = add_guest(emulator_state, "Twin", groups=(RETAIL,))
    twin.other_mails = ["r.quillon-ashby@partners.example"]  # makes the first address ambiguous
    assert settings.storage.connection_string is not None
    connection = settings.storage.connection_string.reveal()
    callbacks = f"hr-callbacks-{uuid.uuid4().hex[:10]}"  # each outcome is published for HR too
    worker.settings = Settings.from_env(
        settings_env(
            AzureWebJobsStorage=connection,
            STATE_TABLE_NAME=settings.storage.table_name,
            HR_CALLBACK_URL="https://hr.partners.example/guestkeeper",
            HR_CALLBACK_QUEUE_NAME=callbacks,
        )
    )
    reason = "Contract of Rosalind Quillon-Ashby (r.quillon-ashby@partners.example) ended"
    sent = {"email": "t.okonkwo-brandt@partners.example", "externalRef": "HR-4411", "reason": reason}
    assert (await offboard(sent)).json["account"] == "keptOtherAccess"
    assert (await offboard({"email": "r.quillon-ashby@partners.example", "reason": reason})).status == 409
    twin.other_mails = []
    assert (await offboard({"email": "r.quillon-ashby@partners.example", "reason": reason})).status == 200
    assert (await offboard({"email": "r.quillon-ashby@partners.example"})).status == 200  # again
    assert (await offboard({"email": "nobody.known@partners.example"})).status == 404
    emulator_state.faults.configure(FaultConfig(rules=[FaultRule(status=503, method="PATCH", retry_after=0)]))
    assert (await offboard({"email": "o'hallorhan.v@partners.example"})).status == 503
    emulator_state.faults.configure(FaultConfig())
    worker.graph = make_graph(roles=["User.Read.All", "GroupMember.Read.All"])  # cannot remove members
    assert (await offboard({"email": "o'hallorhan.v@partners.example"})).status == 502
    worker.graph = make_graph()
    async with QueueClient.from_connection_string(connection, callbacks) as client:
        assert len(await client.peek_messages(max_messages=32)) == 4  # 3 offboarded, 1 disabled by it
        await client.delete_queue()
    dry = {"OFFBOARDING_DRY_RUN": "true", "STATE_TABLE_NAME": settings.storage.table_name}
    worker.settings = Settings.from_env(settings_env(AzureWebJobsStorage=connection, **dry))
    assert (await offboard({"email": "o'hallorhan.v@partners.example"})).json["dryRun"] is True
    bulk = {"guests": [{"email": a, "reason": reason} for a in [*LEAVERS, "x@partners.example"]]}
    assert (await offboard(bulk, bulk=True)).status == 207
    assert_clean(no_personal_data_in_logs, sensitive, "offboarding")


async def test_governance_and_cleanup_log_ids_and_counts_only(
    worker: Worker,
    settings: Settings,
    emulator_state: TenantState,
    raw_client: httpx.AsyncClient,
    storage_connection_string: str,
    table_name: str,
    sensitive: Sensitive,
    no_personal_data_in_logs: Collector,
) -> None:
    from tests.emulator.access_review_fixtures import add_guest

    stay = add_guest(emulator_state, "Perpetua Hollowmere", groups=(FEELGOOD,))
    leave = add_guest(emulator_state, "Ignatius Farrowdale", groups=(FEELGOOD,))
    sensitive.add("Perpetua Hollowmere", "Ignatius Farrowdale", "perpetua hollowmere", "ignatius farrowdale")
    sensitive.add(str(stay.mail), str(leave.mail), stay.user_principal_name, leave.user_principal_name)
    queue = unique_queue()
    worker.settings = settings_for(storage_connection_string, table_name, queue)
    worker.clock = emulator_state.clock.now
    await handler(governance_trigger.blueprint(worker.governance), "governance_run")(
        TimerRequest(past_due=True)
    )

    review = await finished_round(
        worker.graph, raw_client, {FEELGOOD: {leave.id: "Deny", stay.id: "Approve"}}, auto_apply=False
    )
    message = review.message(FEELGOOD)
    clean_up = handler(cleanup_trigger.blueprint(worker.cleanup), "clean_up_review_round")
    emulator_state.faults.configure(
        FaultConfig(rules=[FaultRule(status=503, method="DELETE", retry_after=1)])
    )
    for attempt in (1, worker.settings.cleanup.max_dequeue_count):  # a failing delivery, then the last one
        with pytest.raises(Exception):  # noqa: B017, PT011  # the host retries whatever it raises
            await clean_up(delivered(message.encode(), attempt))
    emulator_state.faults.configure(FaultConfig())
    await clean_up(delivered(message.encode(), 1))
    assert await worker.store.reviews.instance_done(message.instance_id)
    assert_clean(no_personal_data_in_logs, sensitive, "governance_and_cleanup")


async def test_a_two_stage_sponsor_review_logs_ids_and_counts_only(
    worker: Worker,
    emulator_state: TenantState,
    raw_client: httpx.AsyncClient,
    storage_connection_string: str,
    table_name: str,
    sensitive: Sensitive,
    no_personal_data_in_logs: Collector,
) -> None:
    """The review options' paths: an inactive-guests review in two stages, sponsors then owners,
    created and swept by the timer, its round cleaned up. Reviewers' names stay out too."""
    from tests.emulator.access_review_fixtures import add_guest
    from tests.emulator.directory_helpers import ALEX

    guest = add_guest(emulator_state, "Octavia Brightwater", groups=(FEELGOOD,), sponsors=(ALEX,))
    sensitive.add("Octavia Brightwater", "octavia brightwater", str(guest.mail), guest.user_principal_name)
    sensitive.add("Alex Wilber", "Megan Bowen")
    queue = unique_queue()
    options = {
        "REVIEW_REVIEWERS": "sponsors",
        "REVIEW_STAGES": "2",
        "REVIEW_INACTIVE_DAYS": "30",
        "REVIEW_START_DATE": emulator_state.clock.now().date().isoformat(),  # the round opens at once
    }
    worker.settings = settings_for(storage_connection_string, table_name, queue, **options)
    worker.clock = emulator_state.clock.now
    timer = handler(governance_trigger.blueprint(worker.governance), "governance_run")
    await timer(TimerRequest(past_due=False))
    for decision, then in (("Approve", "P7DT1H"), ("Deny", "P7D")):  # the sponsor, then the owner
        body = {"groupId": FEELGOOD, "principalId": guest.id, "decision": decision, "justification": "ok"}
        assert (await raw_client.post("/_emulator/accessReviews/decisions", json=body)).status_code == 200
        assert (await raw_client.post("/_emulator/clock", json={"advance": then})).status_code == 200
    await timer(TimerRequest(past_due=False))
    [message] = await queued(storage_connection_string, queue)
    await handler(cleanup_trigger.blueprint(worker.cleanup), "clean_up_review_round")(
        delivered(message.encode(), 1)
    )
    assert await worker.store.reviews.instance_done(message.instance_id)
    group = emulator_state.directory.group(FEELGOOD)
    assert group is not None
    assert guest.id not in group.members  # the owner's Deny in the second stage counted
    assert_clean(no_personal_data_in_logs, sensitive, "two_stage_sponsor_review")


def delivered(text: str, dequeue_count: int) -> QueueMessage:
    body = base64.b64decode(text)
    return QueueMessage(id=str(uuid.uuid4()), body=body, dequeue_count=dequeue_count, pop_receipt="r")


async def test_the_demo_story_on_devhost_logs_no_names_keys_or_secrets(
    storage_connection_string: str,
    monkeypatch: pytest.MonkeyPatch,
    sensitive: Sensitive,
    no_personal_data_in_logs: Collector,
) -> None:
    from tests.reliability.test_least_privilege import README_ROLES

    async with app_stack(storage_connection_string, README_ROLES, monkeypatch) as stack:
        key = str(stack.endpoints.function_key)
        sensitive.add(JOHN.name, JOHN.email, ADA.name, ADA.email, key, stack.endpoints.webhook_secret)
        sensitive.add(stack.endpoints.webhook_secret.removeprefix("whsec_"), stack.host.keys.master_key)
        await watch(stack)
        sender = logging.getLogger("httpx")  # the sender's own client logs its URLs: not the app's log
        level = sender.level
        sender.setLevel(logging.WARNING)
        try:
            async with httpx.AsyncClient(base_url=stack.host.url) as http:  # the key in the query string
                body = json.dumps({"email": JOHN.email}).encode()
                answer = await http.post("/api/guests", params={"code": key}, content=body)
                assert answer.status_code == 401  # unsigned
                assert (await http.post("/api/guests", params={"code": "wrong-key"})).status_code == 401
                for address in (JOHN.email, ADA.email, "nobody@tailspintoys.com", JOHN.name):  # the audit
                    read = await http.get("/api/audit", params={"guest": address, "code": key})
                    assert read.status_code in (200, 400, 404)
                    assert address not in read.text
        finally:
            sender.setLevel(level)
    assert any(r.name == "devhost" or r.name.startswith("devhost.") for r in no_personal_data_in_logs.records)
    assert_clean(no_personal_data_in_logs, sensitive, "demo_story_on_devhost")


async def test_a_graph_error_quoting_the_input_stays_out_of_the_host_log(
    settings: Settings,
    store: StateStore,
    monkeypatch: pytest.MonkeyPatch,
    sensitive: Sensitive,
    no_personal_data_in_logs: Collector,
    storage_connection_string: str,
    table_name: str,
) -> None:
    """A failed function is logged by the host with its traceback and causes: Graph's message must
    not be among them (Graph's error messages can quote what the request carried)."""
    quoted = (
        "Invalid value 'rosalind.quillfeather@fabrikam.com' for property 'displayName': Rosalind Quillfeather"
    )
    sensitive.add("rosalind.quillfeather@fabrikam.com", "Rosalind Quillfeather")

    def graph_says_no(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"code": "Request_BadRequest", "message": quoted}})

    graph = build_graph_client(
        "https://graph.microsoft.com/v1.0",
        StaticTokenCredential("token"),
        transport=httpx.MockTransport(graph_says_no),
        retry=RetryHandlerOption(max_retries=0),
    )
    queue = unique_queue()
    env = {"GOVERNANCE_SCHEDULE": "0 0 2 * * *", "CLEANUP_QUEUE_NAME": queue, "AzureWebJobsStorage": "x"}
    env["HR_CALLBACK_QUEUE_NAME"] = "hr-callbacks"  # the queue function's binding needs its name
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    worker = Worker(
        settings=settings_for(storage_connection_string, table_name, queue), graph=graph, store=store
    )
    monkeypatch.setattr(LazyWorker, "get", lambda _: worker)  # what the host's function_app is handed
    host = DevHost(DevHostOptions(app_dir=ROOT, load_settings=False, listeners=False))
    await host.start()
    try:
        result = await host.run_function("governance_run")
    finally:
        await host.stop()
        await worker.close()
    assert not result.succeeded
    logged = [r for r in no_personal_data_in_logs.records if r.levelno >= logging.ERROR and r.exc_info]
    assert logged  # the host logged the failure with its traceback
    assert_clean(no_personal_data_in_logs, sensitive, "graph_error_in_host_log", app_logged=False)


async def test_pending_invitations_and_hr_callbacks_log_ids_and_outcomes_only(
    worker: Worker,
    emulator_state: TenantState,
    storage_connection_string: str,
    table_name: str,
    sensitive: Sensitive,
    no_personal_data_in_logs: Collector,
) -> None:
    late = await invited_guest(
        emulator_state, worker.store, "marguerite.oyelaran@fabrikam.com", days_ago=8, ref="HR-PII-4711"
    )
    gone = await invited_guest(
        emulator_state, worker.store, "tobiah.quench@fabrikam.com", days_ago=31, ref="HR-PII-4712"
    )
    for user in (late, gone):
        sensitive.add(str(user.mail), str(user.display_name), user.user_principal_name)
    sensitive.add("HR-PII-4711", "HR-PII-4712", "hr-url-token-7f3a")
    queue = f"hr-callbacks-{uuid.uuid4().hex[:10]}"
    receiver = Receiver(SECRET, fail_first=1)
    with serving(receiver) as url:
        worker.settings = settings_for(
            storage_connection_string,
            table_name,
            unique_queue(),
            INVITE_REMIND_AFTER_DAYS="7",
            INVITE_EXPIRE_AFTER_DAYS="30",
            HR_CALLBACK_URL=f"{url}?token=hr-url-token-7f3a",  # a URL may carry a token: never logged
            HR_CALLBACK_QUEUE_NAME=queue,
        )
        worker.clock = emulator_state.clock.now
        await handler(governance_trigger.blueprint(worker.governance), "governance_run")(
            TimerRequest(past_due=False)
        )
        deliver = handler(callbacks_trigger.blueprint(worker.callbacks), "deliver_hr_callback")
        async with QueueClient.from_connection_string(storage_connection_string, queue) as client:
            [stored] = [m async for m in client.receive_messages(max_messages=5)]
        text = str(stored.content)
        for attempt in (1, worker.settings.cleanup.max_dequeue_count):  # refused once, then the last try
            receiver.always_fail = attempt > 1
            with pytest.raises(Exception):  # noqa: B017, PT011  # the host retries whatever it raises
                await deliver(delivered(text, attempt))
        receiver.always_fail = False
        await deliver(delivered(text, 2))
    assert receiver.accepted()  # the expiry reached HR, with HR's reference
    assert_clean(no_personal_data_in_logs, sensitive, "invitations_and_hr_callbacks")
