"""The ``$filter`` subset Graph clients use, compiled to predicates over JSON (camelCase) objects.

Comparisons (``eq ne gt ge lt le``), ``in``, ``and``/``or``/``not``, parentheses, ``startswith``,
``endswith``, ``contains``, lambdas (``otherMails/any(m:m eq 'x')``), type-cast path segments, and
string literals with doubled single quotes. String comparison is case-insensitive, as directory
properties such as ``mail`` are in Entra.

``compile_filter`` also reports which operators Graph serves on directory objects only in advanced
queries (``ne``, ``not``, ``endsWith``), so the directory rules can refuse them without re-parsing.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import BadRequest

Predicate = Callable[[Mapping[str, Any]], bool]

# Operators Graph serves on directory objects only in advanced queries (aad-advanced-queries).
ADVANCED_OPERATORS = frozenset({"ne", "not", "endswith"})


@dataclass(frozen=True)
class CompiledFilter:
    predicate: Predicate
    advanced_operators: frozenset[str]  # the subset of ADVANCED_OPERATORS the expression uses


# ---------------------------------------------------------------- literals


def quote(value: str) -> str:
    """An OData string literal: single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------- tokenizer

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<colon>:)
  | (?P<number>-?\d+(?:\.\d+)?(?![\w\-:]))
  | (?P<word>[A-Za-z_$@][\w.$@\-:]*(?:/[A-Za-z_$@][\w.$@\-]*)*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise BadRequest(f"Invalid filter clause: syntax error at position {pos} in '{text}'.")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(_Tok(kind, match.group()))
        pos = match.end()
    return tokens


# ---------------------------------------------------------------- evaluation helpers

_MISSING = object()


def resolve(obj: Any, path: Sequence[str]) -> Any:
    """Follow a property path; type-cast segments (``microsoft.graph.x``) are skipped."""
    current = obj
    for segment in path:
        if "." in segment:
            continue
        if not isinstance(current, Mapping):
            return _MISSING
        current = current.get(segment, _MISSING)
    return current


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


_ORDERING: dict[str, Callable[[Any, Any], Any]] = {
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is _MISSING:
        left = None
    left, right = _fold(left), _fold(right)
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        return bool(_ORDERING[op](left, right))
    except TypeError:
        return False


# ---------------------------------------------------------------- parser

_COMPARATORS = {"eq", "ne", "gt", "ge", "lt", "le"}
_STRING_FUNCTIONS = {"startswith", "endswith", "contains"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.used: set[str] = set()

    # token helpers
    def _peek(self, offset: int = 0) -> _Tok | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def _next(self) -> _Tok:
        tok = self._peek()
        if tok is None:
            raise BadRequest(f"Invalid filter clause: unexpected end of expression in '{self.text}'.")
        self.pos += 1
        return tok

    def _expect(self, kind: str) -> _Tok:
        tok = self._next()
        if tok.kind != kind:
            self._fail(f"expected {kind} but found '{tok.text}'")
        return tok

    def _is_word(self, word: str) -> bool:
        tok = self._peek()
        return tok is not None and tok.kind == "word" and tok.text.lower() == word

    def _fail(self, why: str) -> Any:
        raise BadRequest(f"Invalid filter clause: {why} in '{self.text}'.")

    # grammar
    def parse(self) -> Callable[[Mapping[str, Any], dict[str, Any]], bool]:
        expr = self._or()
        if self._peek() is not None:
            self._fail(f"unexpected '{self._next().text}'")
        return expr

    def _or(self) -> Callable[[Mapping[str, Any], dict[str, Any]], bool]:
        terms = [self._and()]
        while self._is_word("or"):
            self.pos += 1
            terms.append(self._and())
        if len(terms) == 1:
            return terms[0]
        return lambda obj, env: any(term(obj, env) for term in terms)

    def _and(self) -> Callable[[Mapping[str, Any], dict[str, Any]], bool]:
        terms = [self._unary()]
        while self._is_word("and"):
            self.pos += 1
            terms.append(self._unary())
        if len(terms) == 1:
            return terms[0]
        return lambda obj, env: all(term(obj, env) for term in terms)

    def _unary(self) -> Callable[[Mapping[str, Any], dict[str, Any]], bool]:
        if self._is_word("not"):
            self.pos += 1
            self.used.add("not")
            inner = self._unary()
            return lambda obj, env: not inner(obj, env)
        tok = self._peek()
        if tok is not None and tok.kind == "lparen":
            self.pos += 1
            inner = self._or()
            self._expect("rparen")
            return inner
        return self._primary()

    def _primary(self) -> Callable[[Mapping[str, Any], dict[str, Any]], bool]:
        word = self._expect("word")
        nxt = self._peek()
        if word.text.lower() in _STRING_FUNCTIONS and nxt is not None and nxt.kind == "lparen":
            self.used.add(word.text.lower())
            return self._string_function(word.text.lower())
        path = word.text.split("/")
        if path[-1].lower() in {"any", "all"} and nxt is not None and nxt.kind == "lparen":
            return self._lambda(path[:-1], path[-1].lower())
        op_tok = self._next()
        operator = op_tok.text.lower()
        if operator == "in":
            values = self._literal_list()
            getter = self._getter(path)
            folded = [_fold(v) for v in values]
            return lambda obj, env: _fold(getter(obj, env)) in folded
        if operator not in _COMPARATORS:
            self._fail(f"unsupported operator '{op_tok.text}'")
        self.used.add(operator)
        value = self._literal()
        getter = self._getter(path)
        return lambda obj, env: _compare(operator, getter(obj, env), value)

    def _getter(self, path: list[str]) -> Callable[[Mapping[str, Any], dict[str, Any]], Any]:
        head, rest = path[0], path[1:]

        def get(obj: Mapping[str, Any], env: dict[str, Any]) -> Any:
            if head in env:
                return resolve(env[head], rest)
            return resolve(obj, path)

        return get

    def _string_function(self, name: str) -> Callable[[Mapping[str, Any], dict[str, Any]], bool]:
        self._expect("lparen")
        getter = self._getter(self._expect("word").text.split("/"))
        self._expect("comma")
        value = self._literal()
        self._expect("rparen")
        if not isinstance(value, str):
            self._fail(f"{name} needs a string literal")
        needle = value.casefold()

        def test(obj: Mapping[str, Any], env: dict[str, Any]) -> bool:
            hay = getter(obj, env)
            if not isinstance(hay, str):
                return False
            hay = hay.casefold()
            if name == "startswith":
                return hay.startswith(needle)
            if name == "endswith":
                return hay.endswith(needle)
            return needle in hay

        return test

    def _lambda(self, path: list[str], kind: str) -> Callable[[Mapping[str, Any], dict[str, Any]], bool]:
        self._expect("lparen")
        variable_tok = self._expect("word")
        # the tokenizer keeps "c:c" together when written without spaces
        if ":" in variable_tok.text:
            variable, _, rest = variable_tok.text.partition(":")
            if rest:
                self.tokens.insert(self.pos, _Tok("word", rest))
        else:
            variable = variable_tok.text
            self._expect("colon")
        body = self._or()
        self._expect("rparen")
        getter = self._getter(path)

        def test(obj: Mapping[str, Any], env: dict[str, Any]) -> bool:
            items = getter(obj, env)
            if not isinstance(items, list):
                return False
            results = (body(obj, {**env, variable: item}) for item in items)
            return any(results) if kind == "any" else all(results)

        return test

    def _literal(self) -> Any:
        tok = self._next()
        if tok.kind == "string":
            return tok.text[1:-1].replace("''", "'")
        if tok.kind == "number":
            return float(tok.text) if "." in tok.text else int(tok.text)
        if tok.kind == "word":
            lowered = tok.text.lower()
            if lowered in {"true", "false"}:
                return lowered == "true"
            if lowered == "null":
                return None
            return tok.text  # GUIDs and dates may appear unquoted
        return self._fail(f"expected a literal but found '{tok.text}'")

    def _literal_list(self) -> list[Any]:
        self._expect("lparen")
        values = [self._literal()]
        while (tok := self._peek()) is not None and tok.kind == "comma":
            self.pos += 1
            values.append(self._literal())
        self._expect("rparen")
        return values


def compile_filter(text: str) -> CompiledFilter:
    """Compile a ``$filter`` expression; also name the advanced-only operators it uses."""
    parser = _Parser(text)
    expr = parser.parse()
    return CompiledFilter(lambda obj: expr(obj, {}), frozenset(parser.used & ADVANCED_OPERATORS))


def parse_filter(text: str) -> Predicate:
    """Compile a ``$filter`` expression into a predicate over JSON objects."""
    return compile_filter(text).predicate
