"""``$orderby``: ``property [asc|desc]`` keys, comma-separated, applied as a stable sort.

Which properties a collection may be sorted by is the resource's rule; this module only parses and
sorts. Strings compare case-insensitively (directory properties are case-insensitive in Entra) and
a missing or null value sorts first in ascending order, last in descending order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import BadRequest

_DIRECTIONS = {"asc": False, "desc": True}

Item = TypeVar("Item", bound=Mapping[str, Any])


@dataclass(frozen=True)
class SortKey:
    property: str
    descending: bool


def parse_orderby(raw: str) -> list[SortKey]:
    """``displayName desc,userPrincipalName`` -> keys; a bad direction or empty key is a 400."""
    keys: list[SortKey] = []
    for part in raw.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in _DIRECTIONS):
            raise BadRequest(f"Invalid $orderby expression '{raw}'.")
        descending = len(words) == 2 and _DIRECTIONS[words[1].lower()]
        keys.append(SortKey(words[0], descending))
    return keys


def _rank(value: Any) -> tuple[bool, Any]:
    if isinstance(value, str):
        return True, value.casefold()
    return value is not None, value


def sort_items(items: Iterable[Item], keys: Sequence[SortKey]) -> list[Item]:
    """Sorted by every key, the first key most significant."""
    ordered = list(items)
    for key in reversed(keys):  # stable sorts, least significant key first
        name = key.property
        ordered.sort(key=lambda item: _rank(item.get(name)), reverse=key.descending)
    return ordered
