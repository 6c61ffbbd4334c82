"""ASP.NET Core route templates, the subset Functions routes use.

Supports literal segments (matched case-insensitively), ``{name}``, optional ``{name?}``, defaults
``{name=value}``, catch-all ``{*rest}``, several parameters in one segment (``{a}-{b}``) and the
common inline constraints (``int``, ``long``, ``bool``, ``guid``, ``alpha``, ``double``, ``float``,
``decimal``, ``datetime``, ``min``, ``max``, ``range``, ``length``, ``minlength``, ``maxlength``,
``regex``). Candidates are tried in ASP.NET's precedence order: literals before parameters,
constrained before unconstrained, catch-alls last.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

_TOKEN = re.compile(r"\{([^{}]+)\}")
_PARAM = re.compile(
    r"^(?P<star>\*{1,2})?(?P<name>\w+)"
    r"(?P<constraints>(?::[^:=?]+(?:\([^)]*\))?)*)"
    r"(?P<optional>\?)?(?:=(?P<default>.*))?$"
)
_CONSTRAINT = re.compile(r":(\w+)(?:\(([^)]*)\))?")


class RouteError(ValueError):
    """An invalid route template (the host refuses to start the function)."""


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _int_in(bits: int) -> Callable[[str], bool]:
    limit = 2 ** (bits - 1)
    return lambda v: re.fullmatch(r"-?\d+", v) is not None and -limit <= int(v) < limit


_SIMPLE: dict[str, Callable[[str], bool]] = {
    "int": _int_in(32),
    "long": _int_in(64),
    "bool": lambda v: v.lower() in ("true", "false"),
    "guid": _is_guid,
    "alpha": lambda v: re.fullmatch(r"[A-Za-z]+", v) is not None,
    "double": _is_float,
    "float": _is_float,
    "decimal": _is_float,
    "datetime": _is_datetime,
    "required": lambda v: v != "",
}


def _constraint(name: str, argument: str | None) -> Callable[[str], bool]:
    if name in _SIMPLE and argument is None:
        return _SIMPLE[name]
    args = [a.strip() for a in (argument or "").split(",")]
    if name == "regex" and argument is not None:
        pattern = re.compile(argument, re.IGNORECASE)
        return lambda v: pattern.search(v) is not None
    if name in ("min", "max", "range") and all(re.fullmatch(r"-?\d+", a) for a in args):
        low = int(args[0]) if name != "max" else None
        high = int(args[-1]) if name != "min" else None
        return lambda v: (
            re.fullmatch(r"-?\d+", v) is not None
            and (low is None or int(v) >= low)
            and (high is None or int(v) <= high)
        )
    if name in ("length", "minlength", "maxlength") and all(a.isdigit() for a in args):
        low = int(args[0]) if name != "maxlength" else 0
        high = int(args[-1]) if name != "minlength" else None
        if name == "length" and len(args) == 1:
            high = low
        return lambda v: len(v) >= low and (high is None or len(v) <= high)
    raise RouteError(f"The constraint reference '{name}' could not be resolved.")


@dataclass(frozen=True)
class _Param:
    name: str
    optional: bool
    default: str | None
    catch_all: bool
    checks: tuple[Callable[[str], bool], ...]


@dataclass(frozen=True)
class RouteTemplate:
    template: str
    pattern: re.Pattern[str]
    params: tuple[_Param, ...]
    precedence: tuple[int, ...]

    @classmethod
    def parse(cls, template: str) -> RouteTemplate:
        segments = template.strip("/").split("/") if template.strip("/") else []
        regex, params, ranks = "", [], []
        for index, segment in enumerate(segments):
            seg_regex, seg_params, rank = _segment(segment, last=index == len(segments) - 1)
            params.extend(seg_params)
            ranks.append(rank)
            lone = seg_params[0] if len(seg_params) == 1 and _TOKEN.fullmatch(segment) else None
            whole_optional = lone is not None and (
                lone.optional or lone.default is not None or lone.catch_all
            )
            separator = "/" if index else ""
            regex += f"(?:{separator}{seg_regex})?" if whole_optional else f"{separator}{seg_regex}"
        names = [p.name.lower() for p in params]
        if len(set(names)) != len(names):
            raise RouteError(f"The route parameter name is repeated in template '{template}'.")
        pattern = re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL)
        return cls(template, pattern, tuple(params), tuple(ranks))

    def match(self, path: str) -> dict[str, str] | None:
        """Route values for ``path`` (relative to the route prefix), or None."""
        found = self.pattern.match(path.strip("/"))
        if found is None:
            return None
        values: dict[str, str] = {}
        for param in self.params:
            raw = found.group(param.name)
            if raw is None or raw == "":
                if not param.optional and param.default is None and not param.catch_all:
                    return None
                if param.default is not None:
                    values[param.name] = param.default
                continue
            value = unquote(raw)
            if not all(check(value) for check in param.checks):
                return None
            values[param.name] = value
        return values


def _segment(segment: str, *, last: bool) -> tuple[str, list[_Param], int]:
    """Regex, parameters and ASP.NET precedence rank (lower wins) of one path segment."""
    regex, params, position = "", [], 0
    for token in _TOKEN.finditer(segment):
        regex += re.escape(segment[position : token.start()])
        position = token.end()
        parsed = _PARAM.match(token.group(1))
        if parsed is None:
            raise RouteError(f"The route template segment '{segment}' is invalid.")
        catch_all = parsed["star"] is not None
        if catch_all and not last:
            raise RouteError("A catch-all parameter can only appear as the last segment of the template.")
        checks = tuple(
            _constraint(m.group(1), m.group(2)) for m in _CONSTRAINT.finditer(parsed["constraints"] or "")
        )
        param = _Param(parsed["name"], bool(parsed["optional"]), parsed["default"], catch_all, checks)
        params.append(param)
        body = ".*" if catch_all else "[^/]+?" if len(segment) > token.end() - token.start() else "[^/]+"
        regex += f"(?P<{param.name}>{body})"
    regex += re.escape(segment[position:])
    if not params:
        rank = 1
    elif len(params) > 1 or _TOKEN.fullmatch(segment) is None:
        rank = 2
    elif params[0].catch_all:
        rank = 5
    else:
        rank = 3 if params[0].checks else 4
    return regex, params, rank
