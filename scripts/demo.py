"""``make demo`` (``python -m scripts.demo``): the tutorial's story end to end, then a report.

Starts the Graph emulator (frozen clock, no latency), Azurite and devhost on free loopback ports, and
HR's callback receiver in this process (``scripts.hr_receiver``), runs ``scripts.story.run_story``
against them, its leavers' chapter included, and prints what happened. The app runs on the emulator's
clock (``GRAPH_EMULATOR_CLOCK``), so the days the story moves pass for it too, with HR callbacks on,
signed with a secret made for the run, and pending invitations reminded and expired. Every process it
started is stopped on the way out, on success, failure, Ctrl-C or SIGTERM. On failure it names the
step and prints the tail of each process's log (``.demo/*.log``) and exits 1.

    python -m scripts.demo            # the report as text
    python -m scripts.demo --json     # the report as JSON on stdout (tests); progress on stderr
    python -m scripts.demo --reviewers sponsors   # each guest's sponsor reviews (REVIEW_REVIEWERS)

``make demo REVIEWERS=sponsors`` (or ``GUESTKEEPER_DEMO_REVIEWERS=sponsors``) does the last.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from scripts.hr_receiver import Receiver, serving
from scripts.processes import LOG_DIR, ROOT, Stack, StartupError, terminate_on_sigterm
from scripts.send_webhook import settings_values
from scripts.story import EXPIRE_AFTER_DAYS, REMIND_AFTER_DAYS, REVIEWERS, Endpoints, StoryFailed, run_story
from scripts.story_report import StepRecord, StoryReport, render
from shared.audit import record_json

SAMPLE = ROOT / "local.settings.sample.json"
REVIEWERS_VARIABLE = "GUESTKEEPER_DEMO_REVIEWERS"
_EXECUTED = re.compile(r"Executed 'Functions\.(\w+)' \((Succeeded|Failed)")


@dataclass(frozen=True)
class LogInvocations:
    """Finished invocations, read from devhost's log lines (``Executed 'Functions.x' (Succeeded, …``)."""

    log_path: Path

    def finished(self) -> list[tuple[str, bool]]:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [(m.group(1), m.group(2) == "Succeeded") for m in _EXECUTED.finditer(text)]


def devhost_environment(values: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    """The sample's settings, with the ports this run picked; nothing inherited may override them."""
    inherited = {k: v for k, v in os.environ.items() if k not in values}
    return inherited | {"PYTHONUNBUFFERED": "1"} | overrides


def start_stack(
    stack: Stack, log: TextIO, reviewers: str = "owners", *, hr: Receiver | None = None, hr_url: str = ""
) -> Endpoints:
    """The emulator, Azurite and devhost with the sample's settings. With ``hr`` (listening at
    ``hr_url``) the app is set up for the leavers' chapter: its clock is the emulator's, its outcomes
    go to ``hr`` signed with ``hr``'s secret, and pending invitations are reminded and expired."""
    values = settings_values(SAMPLE)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    emulator = stack.start_emulator(clock_start=today, frozen=True)
    log.write(f"  emulator  {emulator}  clock frozen at {today:%Y-%m-%d %H:%M}Z  {_pid(stack)}\n")
    storage = stack.start_azurite()
    log.write(f"  azurite   blob, queue and table on loopback, in memory  {_pid(stack)}\n")
    key = secrets.token_urlsafe(24)
    overrides = {"GRAPH_BASE_URL": f"{emulator}/v1.0", "AzureWebJobsStorage": storage}
    if reviewers != "owners":  # the sample leaves it empty: the app's default, owners
        overrides["REVIEW_REVIEWERS"] = reviewers
    if hr is not None:
        overrides |= leavers_settings(hr, hr_url)
        log.write(f"  hr        {hr_url}  HR's callback receiver, in this process\n")
    env = devhost_environment(values, overrides)
    app = stack.start_devhost(
        env=env, settings_file=SAMPLE, function_key=key, master_key=secrets.token_urlsafe(32)
    )
    log.write(f"  devhost   {app}  function_app.app, settings from {SAMPLE.name}  {_pid(stack)}\n")
    shown = [f"{k}={overrides[k]}" for k in SHOWN if k in overrides]  # never the secret, nor the URL
    if reviewers != "owners":
        shown.insert(0, f"REVIEW_REVIEWERS={reviewers}")
    if shown:
        log.write(f"            with {', '.join(shown)}\n")
    return Endpoints(
        app_url=app,
        function_key=key,
        emulator_url=emulator,
        storage_connection=storage,
        webhook_secret=values["WEBHOOK_SECRET"],
        invocations=LogInvocations(stack.log_dir / "devhost.log"),
        state_table=values.get("STATE_TABLE_NAME") or "guestkeeper",
        business_clock=hr is not None,
        hr=hr,
        hr_callback_queue=values.get("HR_CALLBACK_QUEUE_NAME") or "hr-callbacks",
    )


SHOWN = ("GRAPH_EMULATOR_CLOCK", "INVITE_REMIND_AFTER_DAYS", "INVITE_EXPIRE_AFTER_DAYS")


def leavers_settings(hr: Receiver, hr_url: str) -> dict[str, str]:
    """The app's settings for the leavers' chapter (the sample leaves them off)."""
    return {
        "GRAPH_EMULATOR_CLOCK": "true",
        "HR_CALLBACK_URL": hr_url,
        "HR_CALLBACK_SECRET": hr.secret,
        "INVITE_REMIND_AFTER_DAYS": str(REMIND_AFTER_DAYS),
        "INVITE_EXPIRE_AFTER_DAYS": str(EXPIRE_AFTER_DAYS),
    }


def callback_secret() -> str:
    """A Standard Webhooks secret for this run's HR callbacks: HR's receiver and the app share it."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _progress(log: TextIO) -> Callable[[StepRecord], None]:
    def report(step: StepRecord) -> None:
        log.write(f"  {step.number}. {step.title}: {step.detail} ({step.seconds:.1f}s)\n")
        log.flush()

    return report


def footer(report: StoryReport, log_dir: Path, startup: float, total: float) -> str:
    john = report.guests[0]
    lines = [
        "",
        f"Audit: {len(report.audit)} records in table '{report.state_table}' (Azurite, in memory: gone "
        f"with it); copied to {_shown(log_dir / 'audit.jsonl')}.",
        "  On a running stack (make start) read them with:",
        f"  python -m shared.audit --settings local.settings.json guest {john.user_id}",
        f"Logs: {_shown(log_dir)}/{{emulator,azurite,devhost}}.log",
        f"Time: processes ready in {startup:.1f}s, story {report.seconds:.1f}s, {total:.1f}s in all.",
    ]
    return "\n".join(lines)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("--json-file", type=Path, default=None, help="also write the JSON report here")
    parser.add_argument("--log-dir", type=Path, default=LOG_DIR, help="process logs and audit copy")
    parser.add_argument("--wait", type=float, default=60.0, help="bound of each wait in seconds")
    parser.add_argument(
        "--reviewers",
        choices=sorted(REVIEWERS),
        default=os.environ.get(REVIEWERS_VARIABLE) or "owners",
        help=f"who reviews the guests (the app's REVIEW_REVIEWERS; default: ${REVIEWERS_VARIABLE} or owners)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    log = sys.stderr
    styled = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and not args.json
    bold, reset = ("\033[1m", "\033[0m") if styled else ("", "")
    began = time.monotonic()
    stack = Stack(log_dir=args.log_dir.resolve())
    hr = Receiver(callback_secret())
    step = "starting the processes"
    try:
        with terminate_on_sigterm(), serving(hr) as hr_url, stack:
            log.write("Guestkeeper demo: starting the Graph emulator, Azurite and devhost\n")
            endpoints = start_stack(stack, log, args.reviewers, hr=hr, hr_url=hr_url)
            endpoints = dataclasses.replace(endpoints, wait_seconds=args.wait)
            startup = time.monotonic() - began
            log.write("The story:\n")
            step = "the story"
            story = run_story(endpoints, progress=_progress(log), reviewers=args.reviewers, leavers=True)
            report = asyncio.run(story)
            step = "saving the audit"
            save_audit(report, stack.log_dir)
    except Exception as exc:  # StoryFailed names its step; anything else fails the current one
        if isinstance(exc, StoryFailed):
            failed, why = exc.step, exc.message
        else:
            failed, why = step, str(exc) if isinstance(exc, StartupError) else f"{type(exc).__name__}: {exc}"
        log.write(f"\nFAILED at '{failed}': {why}\n")
        for child in stack.started:
            where = _shown(child.log_path) if child.log_path else "no log"
            log.write(f"\n--- last lines of {child.name} ({where}) ---\n{child.tail(15)}\n")
        return 1
    except KeyboardInterrupt:
        log.write(f"\nInterrupted during {step}; every process the demo started was stopped.\n")
        return 130
    except SystemExit:  # SIGTERM or SIGHUP (terminate_on_sigterm)
        log.write(f"\nTerminated during {step}; every process the demo started was stopped.\n")
        raise
    total = time.monotonic() - began
    body = report.to_json() | {"pids": [c.pid for c in stack.started], "startupSeconds": startup}
    body |= {"totalSeconds": total}
    if args.json_file is not None:
        args.json_file.write_text(json.dumps(body, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(body, indent=2))
    else:
        print(f"\n{bold}Guestkeeper demo: the tutorial's story on the emulator, Azurite and devhost{reset}\n")
        print(render(report, bold=bold, reset=reset))
        print(footer(report, stack.log_dir, startup, total))
    return 0


def _pid(stack: Stack) -> str:
    return f"(pid {stack.started[-1].pid})"


def save_audit(report: StoryReport, log_dir: Path) -> None:
    lines = [json.dumps(record_json(r)) for r in report.audit]
    (log_dir / "audit.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
