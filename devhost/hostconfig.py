"""host.json: the settings of the Functions host that devhost honours.

Only the parts that change behaviour locally are read: ``extensions.http.routePrefix``,
``extensions.queues`` and ``functionTimeout``. Defaults are the host's (storage extension 5.x),
except ``maxPollingInterval``, which the host itself lowers to 2 s during local development.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

MessageEncoding = Literal["base64", "none"]

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$")


class HostConfigError(ValueError):
    """host.json holds a value the host would refuse."""


def parse_timespan(text: str) -> float:
    """Parse a .NET TimeSpan (``[d.]hh:mm[:ss[.fffffff]]``) into seconds."""
    match = _TIMESPAN.match(text.strip())
    if match is None:
        raise HostConfigError(f"'{text}' is not a valid TimeSpan ([d.]hh:mm[:ss[.fffffff]])")
    days, hours, minutes, seconds, fraction = match.groups()
    if int(hours) > 23 or int(minutes) > 59 or int(seconds or 0) > 59:
        raise HostConfigError(f"'{text}' is not a valid TimeSpan: a component is out of range")
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


@dataclass(frozen=True)
class QueuesOptions:
    """``extensions.queues``; names and defaults as in the storage extension's ``QueuesOptions``."""

    batch_size: int = 16
    new_batch_threshold: int = 8
    max_dequeue_count: int = 5
    visibility_timeout: float = 0.0
    max_polling_interval: float = 2.0
    message_encoding: MessageEncoding = "base64"

    @classmethod
    def from_json(cls, section: dict[str, Any]) -> QueuesOptions:
        batch_size = int(section.get("batchSize", 16))
        if not 1 <= batch_size <= 32:
            raise HostConfigError(f"extensions.queues.batchSize must be between 1 and 32, got {batch_size}")
        threshold = int(section.get("newBatchThreshold", batch_size // 2))
        max_dequeue = int(section.get("maxDequeueCount", 5))
        if max_dequeue < 1 or threshold < 0:
            raise HostConfigError("extensions.queues.maxDequeueCount must be >= 1, newBatchThreshold >= 0")
        encoding = str(section.get("messageEncoding", "base64")).lower()
        if encoding not in ("base64", "none"):
            raise HostConfigError(f"extensions.queues.messageEncoding must be base64 or none: {encoding!r}")
        polling = parse_timespan(section.get("maxPollingInterval", "00:00:02"))
        return cls(
            batch_size=batch_size,
            new_batch_threshold=threshold,
            max_dequeue_count=max_dequeue,
            visibility_timeout=parse_timespan(section.get("visibilityTimeout", "00:00:00")),
            max_polling_interval=max(polling, 0.1),
            message_encoding="base64" if encoding == "base64" else "none",
        )


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    queues: QueuesOptions = field(default_factory=QueuesOptions)
    function_timeout: float | None = None

    @classmethod
    def load(cls, path: Path) -> HostConfig:
        """Read host.json; a missing file gives the host's defaults, as it does for the host."""
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise HostConfigError(f"{path} is not valid JSON: {exc}") from exc
        version = data.get("version")
        if version != "2.0":
            raise HostConfigError(f"{path}: 'version' must be \"2.0\" (got {version!r})")
        extensions = data.get("extensions") or {}
        http = extensions.get("http") or {}
        timeout = data.get("functionTimeout")
        return cls(
            route_prefix=str(http.get("routePrefix", "api")).strip("/"),
            queues=QueuesOptions.from_json(extensions.get("queues") or {}),
            function_timeout=parse_timespan(timeout) if timeout and timeout != "-1" else None,
        )
