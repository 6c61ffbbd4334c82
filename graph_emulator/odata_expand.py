"""``$expand`` syntax: ``name`` or ``name(option=value;option=value)`` items, comma-separated.

Only the syntax lives here; which relationships expand, and with which nested options, is the
resource's rule. Commas and semicolons inside nested parentheses belong to the nested value
(``members($select=id,displayName)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BadRequest


@dataclass(frozen=True)
class ExpandItem:
    name: str
    options: dict[str, str]  # nested query options by their lower-cased name, e.g. {"$select": "id"}


def _invalid(raw: str) -> BadRequest:
    return BadRequest(f"Invalid $expand expression '{raw}'.")


def _split(text: str, separator: str, raw: str) -> list[str]:
    """Split at ``separator`` outside parentheses; unbalanced parentheses are a 400."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise _invalid(raw)
        elif ch == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise _invalid(raw)
    parts.append(text[start:])
    return [part.strip() for part in parts]


def _item(text: str, raw: str) -> ExpandItem:
    name, paren, rest = text.partition("(")
    name = name.strip()
    if not name or (paren and not rest.endswith(")")):
        raise _invalid(raw)
    options: dict[str, str] = {}
    for option in _split(rest[:-1], ";", raw) if paren else []:
        key, equals, value = option.partition("=")
        if not equals or not key.strip():
            raise _invalid(raw)
        options[key.strip().lower()] = value.strip()
    return ExpandItem(name, options)


def parse_expand(raw: str) -> list[ExpandItem]:
    """``members($select=id,displayName),owners`` -> two items."""
    return [_item(part, raw) for part in _split(raw, ",", raw)]
