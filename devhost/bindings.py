"""Resolve binding metadata against app settings, once, at startup (as the host indexes functions).

``%SETTING%`` expressions in a timer's ``schedule`` and a queue's ``queueName``, and the app setting
a ``connection`` names, are resolved here so that a missing setting stops devhost at startup with
the host's message instead of failing the first invocation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.functions import meta

from devhost.indexing import IndexedFunction
from devhost.ncrontab import Schedule, parse_schedule
from devhost.settings import resolve_connection, resolve_expression
from devhost.storage import normalize_queue_name


class BindingError(RuntimeError):
    """The host would report ``Error indexing method 'Functions.<name>'`` and not run it."""

    def __init__(self, function_name: str, reason: str) -> None:
        super().__init__(f"Error indexing method 'Functions.{function_name}': {reason}")


@dataclass(frozen=True)
class QueueTarget:
    queue_name: str
    connection_string: str

    @property
    def poison_name(self) -> str:
        return f"{self.queue_name}-poison"


@dataclass(frozen=True)
class TimerSpec:
    expression: str
    schedule: Schedule
    run_on_startup: bool


def resolve_queue(fn: IndexedFunction, binding: Mapping[str, Any], environ: Mapping[str, str]) -> QueueTarget:
    try:
        name = normalize_queue_name(resolve_expression(str(binding["queueName"]), environ))
        return QueueTarget(name, resolve_connection(binding.get("connection"), environ))
    except ValueError as exc:
        raise BindingError(fn.name, str(exc)) from exc


def resolve_timer(fn: IndexedFunction, environ: Mapping[str, str]) -> TimerSpec:
    try:
        expression = resolve_expression(str(fn.trigger["schedule"]), environ)
        return TimerSpec(expression, parse_schedule(expression), bool(fn.trigger.get("runOnStartup")))
    except ValueError as exc:
        raise BindingError(fn.name, str(exc)) from exc


def datum_messages(datum: meta.Datum) -> list[bytes]:
    """Queue messages from a queue output datum (one value, or a list of values)."""
    if datum.type == "bytes":
        return [bytes(datum.value)]
    if datum.type == "string":
        return [str(datum.value).encode("utf-8")]
    parsed = json.loads(datum.value)
    items = parsed if isinstance(parsed, list) else [parsed]
    messages = []
    for item in items:
        text = item if isinstance(item, str) else item.get("body") if isinstance(item, dict) else None
        messages.append((text if text is not None else json.dumps(item)).encode("utf-8"))
    return messages
