"""A small reader for the Bicep in infra/: enough to check it on a machine without a Bicep compiler.

It knows comments, single-quoted strings with ``${...}`` interpolation, bracket matching, top-level
declarations (``param``, ``var``, ``resource``, ``module``, ``output``) and object literals, and it
evaluates the expressions app settings are written with: string literals, interpolation and
references. Anything else raises ``BicepError``, so a template it cannot read fails the tests
instead of slipping through them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DECLARATION = re.compile(r"^(param|var|resource|module|output)\s+([A-Za-z_]\w*)", re.MULTILINE)
REFERENCE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
KEY = re.compile(r"^(?:'([^']*)'|([A-Za-z_]\w*))\s*:\s*(.*)$", re.DOTALL)
ESCAPES = {"'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "$": "$"}
OPENERS, CLOSERS = "{[(", "}])"


class BicepError(ValueError):
    """The reader met Bicep it does not understand."""


def _string_end(text: str, start: int) -> int:
    """Index just past the string literal opening at ``start``."""
    if text.startswith("'''", start):
        return text.index("'''", start + 3) + 3
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == "'":
            return i + 1
        elif text.startswith("${", i):
            i = _code_end(text, i + 2)
        else:
            i += 1
    raise BicepError(f"unterminated string at {start}")


def _code_end(text: str, start: int) -> int:
    """Index just past the ``}`` that closes an interpolation whose code starts at ``start``."""
    depth, i = 1, start
    while i < len(text):
        if text[i] == "'":
            i = _string_end(text, i)
            continue
        if text[i] in OPENERS:
            depth += 1
        elif text[i] in CLOSERS:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise BicepError(f"unterminated interpolation at {start}")


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _masks(text: str) -> tuple[str, str]:
    """``(without comments, without comments and string contents)``, both as long as ``text``.

    The second is for finding structure (brackets, line ends, keywords); the first for reading
    values at the same positions.
    """
    plain, bare = list(text), list(text)
    i = 0
    while i < len(text):
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            _blank(plain, i, end)
            _blank(bare, i, end)
            i = end
        elif text.startswith("/*", i):
            end = text.index("*/", i) + 2
            _blank(plain, i, end)
            _blank(bare, i, end)
            i = end
        elif text[i] == "'":
            end = _string_end(text, i)
            _blank(bare, i + 1, end - 1)
            i = end
        else:
            i += 1
    return "".join(plain), "".join(bare)


def _split_top_level(plain: str, bare: str, separators: str) -> list[str]:
    """Pieces of ``plain`` split at ``separators`` that are outside any brackets."""
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(bare):
        if char in OPENERS:
            depth += 1
        elif char in CLOSERS:
            depth -= 1
        elif char in separators and depth == 0:
            pieces.append(plain[start:i])
            start = i + 1
    pieces.append(plain[start:])
    return [p.strip() for p in pieces if p.strip()]


@dataclass(frozen=True)
class Declaration:
    kind: str  # param, var, resource, module or output
    name: str
    text: str  # the whole statement, comments removed, decorators excluded
    decorators: str  # the decorator lines above it, comments removed

    @property
    def value(self) -> str:
        """What follows the first top-level ``=``: a var's value, a param's default, a body."""
        _, bare = _masks(self.text)
        depth = 0
        for i, char in enumerate(bare):
            if char in OPENERS:
                depth += 1
            elif char in CLOSERS:
                depth -= 1
            elif char == "=" and depth == 0 and bare[i + 1 : i + 2] != "=" and bare[i - 1] not in "!<>=":
                return self.text[i + 1 :].strip()
        raise BicepError(f"{self.kind} {self.name} has no value")

    @property
    def default(self) -> str | None:
        """A param's default value, or None when it has none (a value azd must supply)."""
        try:
            return self.value
        except BicepError:
            return None

    @property
    def header(self) -> str:
        """The statement up to its value (``resource x 'type@version' existing``), or all of it."""
        body = self.default
        if body is None:
            return self.text
        return self.text[: len(self.text) - len(body)].rstrip().rstrip("=").strip()

    @property
    def resource_type(self) -> str:
        """``Microsoft.Authorization/roleAssignments`` for a resource; a module's path or registry ref."""
        found = re.search(r"'([^']+)'", self.header)
        if found is None:
            raise BicepError(f"{self.kind} {self.name} names no type")
        return found.group(1).split("@")[0]

    @property
    def body(self) -> dict[str, str]:
        """A resource's or module's body as entries (a condition ``if (...)`` before it is skipped)."""
        value = self.value
        return object_entries(value[value.index("{") :])


@dataclass(frozen=True)
class BicepFile:
    path: Path
    declarations: tuple[Declaration, ...]

    @classmethod
    def read(cls, path: Path) -> BicepFile:
        return cls(path, tuple(declarations(path.read_text(encoding="utf-8"))))

    def get(self, kind: str, name: str) -> Declaration:
        for declaration in self.declarations:
            if (declaration.kind, declaration.name) == (kind, name):
                return declaration
        raise BicepError(f"{self.path.name} declares no {kind} {name}")

    def of_kind(self, kind: str) -> list[Declaration]:
        return [d for d in self.declarations if d.kind == kind]


def declarations(text: str) -> list[Declaration]:
    """Top-level declarations, each with the decorators written between it and the one before."""
    plain, bare = _masks(text)
    found: list[Declaration] = []
    previous_end = 0
    for match in DECLARATION.finditer(bare):
        if match.start() < previous_end or _depth(bare, match.start()) != 0:
            continue
        end = _statement_end(bare, match.start())
        gap = plain[previous_end : match.start()]
        first = next((m.start() for m in re.finditer(r"^\s*@", gap, re.MULTILINE)), len(gap))
        statement = plain[match.start() : end].strip()
        found.append(Declaration(match.group(1), match.group(2), statement, gap[first:].strip()))
        previous_end = end
    return found


def _depth(bare: str, index: int) -> int:
    depth = 0
    for char in bare[:index]:
        if char in OPENERS:
            depth += 1
        elif char in CLOSERS:
            depth -= 1
    return depth


def _statement_end(bare: str, start: int) -> int:
    depth = 0
    for i in range(start, len(bare)):
        if bare[i] in OPENERS:
            depth += 1
        elif bare[i] in CLOSERS:
            depth -= 1
        elif bare[i] == "\n" and depth == 0:
            return i
    return len(bare)


def object_entries(literal: str) -> dict[str, str]:
    """``{ key: value ... }`` as ``{key: value text}``, one entry per line or comma."""
    plain, bare = _masks(literal.strip())
    if not (bare.startswith("{") and bare.endswith("}")):
        raise BicepError(f"not an object literal: {literal[:60]!r}")
    entries: dict[str, str] = {}
    for piece in _split_top_level(plain[1:-1], bare[1:-1], "\n,"):
        match = KEY.match(piece)
        if match is None:
            raise BicepError(f"not a 'key: value' entry: {piece!r}")
        key = match.group(1) if match.group(1) is not None else match.group(2)
        if key in entries:
            raise BicepError(f"duplicate key {key}")
        entries[key] = match.group(3).strip()
    return entries


def evaluate(expression: str, names: Mapping[str, str]) -> str:
    """The string an app-settings expression yields, given values for the names it refers to."""
    expression = expression.strip()
    if expression.startswith("'") and _string_end(expression, 0) == len(expression):
        return _interpolate(expression, names)
    if REFERENCE.fullmatch(expression):
        if expression not in names:
            raise BicepError(f"no value given for {expression}")
        return names[expression]
    raise BicepError(f"cannot evaluate {expression!r}")


def _interpolate(literal: str, names: Mapping[str, str]) -> str:
    if literal.startswith("'''"):
        return literal[3:-3]
    out: list[str] = []
    i, end = 1, len(literal) - 1
    while i < end:
        if literal[i] == "\\":
            out.append(ESCAPES[literal[i + 1]])
            i += 2
        elif literal.startswith("${", i):
            close = _code_end(literal, i + 2)
            out.append(evaluate(literal[i + 2 : close - 1], names))
            i = close
        else:
            out.append(literal[i])
            i += 1
    return "".join(out)


def references(expression: str) -> set[str]:
    """Every dotted name an expression mentions outside its string literals."""
    _, bare = _masks(expression)
    names = {m.group(0) for m in REFERENCE.finditer(bare)}
    for literal in re.finditer(r"\$\{", expression):
        names |= references(expression[literal.end() : _code_end(expression, literal.end()) - 1])
    return names
