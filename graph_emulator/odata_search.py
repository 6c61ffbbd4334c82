"""``$search`` on directory objects, as Graph documents it (search-query-parameter, "Using $search on
directory object collections").

- The value is one or more clauses ``"property:text"``, each in double quotes (``\\"`` and ``\\\\``
  escape), joined by upper-case ``AND`` / ``OR`` outside the quotes, with parentheses.
- ``displayName`` and ``description`` are searched by tokens: words split at spaces, numbers,
  symbols and lower-to-upper case changes (``HelloWorld`` -> ``hello``, ``world``); words joined only
  by symbols also count joined (``hello.world`` -> ``helloworld``). Every token of the text must
  start some token of the value, in any order, ignoring case. No "contains" logic.
- Any other property matches when its value (or one value of a collection) starts with the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import BadRequest

Predicate = Callable[[Mapping[str, Any]], bool]

TOKENIZED = frozenset({"displayName", "description"})

_EXPRESSION = re.compile(r'\s*(?:(?P<clause>"(?:[^"\\]|\\.)*")|(?P<paren>[()])|(?P<word>AND|OR)(?![^\s()"]))')
_PIECES = re.compile(r"[^\W\d_]+|\d+|[^\w\s]|_")


@dataclass(frozen=True)
class Search:
    predicate: Predicate
    properties: frozenset[str]  # the properties the clauses name, for the resource to check


def _invalid(raw: str) -> BadRequest:
    return BadRequest(
        f"Invalid $search value '{raw}': expected \"property:text\" clauses joined by AND or OR."
    )


def _split_case(word: str) -> list[str]:
    """Split letters where lower case turns to upper case (``HelloWORld`` -> ``Hello``, ``WORld``)."""
    parts, start = [], 0
    for i in range(1, len(word)):
        if word[i - 1].islower() and word[i].isupper():
            parts.append(word[start:i])
            start = i
    parts.append(word[start:])
    return parts


def tokens(text: str) -> set[str]:
    """The search tokens of a text, case-folded."""
    found: set[str] = set()
    for chunk in text.split():
        pieces = _PIECES.findall(chunk)
        words = [p for p in pieces if p[0].isalnum()]
        for piece in pieces:
            found.update(_split_case(piece) if piece[0].isalpha() else [piece])
        if len(words) < len(pieces) and len(words) > 1:  # words joined only by symbols
            found.add("".join(words))
    return {token.casefold() for token in found}


def _matches(value: Any, name: str, text: str) -> bool:
    if isinstance(value, list):
        return any(_matches(v, name, text) for v in value)
    if not isinstance(value, str):
        return False
    if name not in TOKENIZED:
        return value.casefold().startswith(text.casefold())
    have = tokens(value)
    return all(any(h.startswith(want) for h in have) for want in tokens(text))


def _clause(quoted: str, raw: str) -> tuple[str, Predicate]:
    body = re.sub(r"\\(.)", r"\1", quoted[1:-1])
    name, colon, text = body.partition(":")
    if not colon or not name.strip() or not text.strip():
        raise _invalid(raw)
    name = name.strip()
    return name, lambda obj: _matches(obj.get(name), name, text)


class _Parser:
    """``or := and (OR and)*``, ``and := term (AND term)*``, ``term := clause | ( or )``."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.items: list[tuple[str, str]] = []
        self.properties: set[str] = set()
        pos = 0
        while raw[pos:].strip():
            match = _EXPRESSION.match(raw, pos)
            if match is None or match.lastgroup is None:
                raise _invalid(raw)
            self.items.append((match.lastgroup, match.group(match.lastgroup)))
            pos = match.end()
        self.pos = 0

    def _peek(self, kind: str, text: str | None = None) -> bool:
        if self.pos >= len(self.items):
            return False
        item_kind, item_text = self.items[self.pos]
        return item_kind == kind and (text is None or item_text == text)

    def parse(self) -> Predicate:
        expr = self._or()
        if self.pos != len(self.items):
            raise _invalid(self.raw)
        return expr

    def _or(self) -> Predicate:
        terms = [self._and()]
        while self._peek("word", "OR"):
            self.pos += 1
            terms.append(self._and())
        return terms[0] if len(terms) == 1 else (lambda obj: any(t(obj) for t in terms))

    def _and(self) -> Predicate:
        terms = [self._term()]
        while self._peek("word", "AND"):
            self.pos += 1
            terms.append(self._term())
        return terms[0] if len(terms) == 1 else (lambda obj: all(t(obj) for t in terms))

    def _term(self) -> Predicate:
        if self._peek("paren", "("):
            self.pos += 1
            inner = self._or()
            if not self._peek("paren", ")"):
                raise _invalid(self.raw)
            self.pos += 1
            return inner
        if not self._peek("clause"):
            raise _invalid(self.raw)
        name, predicate = _clause(self.items[self.pos][1], self.raw)
        self.pos += 1
        self.properties.add(name)
        return predicate


def parse_search(raw: str) -> Search:
    """Compile a directory ``$search`` value; syntax errors are a 400."""
    parser = _Parser(raw)
    return Search(parser.parse(), frozenset(parser.properties))
