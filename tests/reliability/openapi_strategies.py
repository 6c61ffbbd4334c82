"""Hypothesis strategies for the onboarding API, generated from docs/openapi.yaml.

``from_schema`` walks the request schemas (objects, arrays, strings with lengths and patterns,
booleans, ``$ref``), so a field added to the contract is fuzzed without a change here. ``HINTS``
replace the values of a few properties with the ones that reach deeper into the app: addresses in
allowed and denied domains, the tenant's real groups and sponsor next to unknown ones, the allowed
redirect URL. ``mutated`` then breaks a valid body the ways a confused or hostile sender would:
a field dropped, a value of the wrong type, an unknown field, an oversized string.
"""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from hypothesis import strategies as st

from tests.shared.conftest import (
    FEELGOOD,
    MEGAN,
    NOT_ALLOWED_GROUP,
    RETAIL,
    ROLE_ASSIGNABLE,
    SALES,
    SECURITY_GROUP,
    UNKNOWN_GROUP,
)

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
NAME_MARK = "Zqx"  # every generated display name starts with it, so the log scan can look for them

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
guids = st.uuids().map(str)
local_parts = st.from_regex(r"\A[a-z0-9_][a-z0-9_.'-]{0,20}[a-z0-9_]\Z")
domains = st.sampled_from(
    ["fabrikam.com", "tailspintoys.com", "blocked.example", "eu.evil.example", "xn--bcher-kva.example"]
)
HINTS: dict[str, st.SearchStrategy[Any]] = {
    "email": st.one_of(
        st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains),
        st.emails().map(str),
        st.text(max_size=40),
    ),
    "displayName": st.text(alphabet=string.ascii_letters + " -'", min_size=3, max_size=30).map(
        lambda s: f"{NAME_MARK}{s}"
    ),
    "groupId": st.one_of(
        st.sampled_from(
            [FEELGOOD, RETAIL, SALES, SECURITY_GROUP, ROLE_ASSIGNABLE, UNKNOWN_GROUP, NOT_ALLOWED_GROUP]
        ),
        guids,
    ),
    "sponsor": st.one_of(st.just(MEGAN), st.just("c9a5aff7-9298-4d71-adab-0a222e0a05e4"), guids),
    "externalRef": st.one_of(st.from_regex(r"\AHR-[0-9]{1,6}\Z"), st.text(max_size=20)),
    "language": st.one_of(st.sampled_from(["en-US", "de-DE", "fr"]), st.text(max_size=12)),
    "redirectUrl": st.one_of(
        st.just("https://partners.contoso.com/welcome"),
        st.just("https://myapps.microsoft.com"),
        st.text(max_size=30).map(lambda s: f"https://{s}"),
    ),
}


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]] | {k: v for k, v in schema.items() if k != "$ref"}
    return schema


def from_schema(schema: dict[str, Any], name: str | None = None) -> st.SearchStrategy[Any]:
    """Values of ``schema`` (the subset the request schemas use); ``name`` picks a hint."""
    if name in HINTS:
        return HINTS[name]
    schema = resolve(schema)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = {k: from_schema(v, k) for k, v in props.items() if k in schema.get("required", [])}
        optional = {k: from_schema(v, k) for k, v in props.items() if k not in required}
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "array":
        items = schema.get("items", {})
        item_name = "groupId" if resolve(items).get("format") == "uuid" else None
        return st.lists(
            from_schema(items, item_name),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", 5), 5),  # long lists cost time, not coverage
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers()
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 40))
    return json_values


@st.composite
def mutated(draw: st.DrawFn, body: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A valid body broken one way (or left intact)."""
    value = draw(body)
    how = draw(st.sampled_from(["intact", "drop", "retype", "unknown", "oversize", "nest"]))
    keys = sorted(value)
    if how == "drop" and keys:
        value.pop(draw(st.sampled_from(keys)))
    elif how == "retype" and keys:
        value[draw(st.sampled_from(keys))] = draw(json_values)
    elif how == "unknown":
        value[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    elif how == "oversize" and keys:
        value[draw(st.sampled_from(keys))] = "x" * draw(st.integers(255, 3000))
    elif how == "nest":
        return [value]
    return value


guest_bodies = from_schema(SCHEMAS["GuestRequest"])


@st.composite
def with_repeated_key(draw: st.DrawFn, body: st.SearchStrategy[dict[str, Any]]) -> bytes:
    """A body whose top-level object names one member twice, the second time with another value
    (``json.dumps`` can't write that, so the members are joined by hand)."""
    value = draw(body)
    members = [(k, v) for k, v in value.items()]
    name = draw(st.sampled_from(sorted(value))) if value else "email"
    members.insert(draw(st.integers(0, len(members))), (name, draw(json_values)))
    return ("{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in members) + "}").encode()


def has_repeated_key(body: bytes) -> bool:
    """Whether any JSON object in ``body`` names a member twice (False for a body that isn't JSON:
    UTF-8 only, and no NaN or Infinity, which the app refuses as malformed before it sees the keys)."""
    repeated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        repeated = repeated or len({k for k, _ in items}) != len(items)
        return dict(items)

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        json.loads(body.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError):
        return False
    return repeated


def _well_formed(groups: list[str], sponsors: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "email": st.builds(
                lambda local, domain: f"{local}@{domain}", local_parts, st.just("fabrikam.com")
            ),
            "groups": st.lists(st.sampled_from(groups), min_size=1, max_size=3, unique=True),
        },
        optional={
            "displayName": HINTS["displayName"],
            "sponsor": sponsors,
            "externalRef": st.from_regex(r"\AHR-[0-9]{1,6}\Z"),
        },
    )


# Bodies that pass every check: most of them onboard a guest.
likely_valid = _well_formed([FEELGOOD, RETAIL, SALES], st.just(MEGAN))
# Well-formed and allowed, but a group or the sponsor is not eligible in the directory (422).
ineligible_targets = _well_formed(
    [FEELGOOD, SECURITY_GROUP, ROLE_ASSIGNABLE, UNKNOWN_GROUP], HINTS["sponsor"]
)
bulk_bodies = st.lists(st.one_of(likely_valid, mutated(guest_bodies)), min_size=1, max_size=4).map(
    lambda guests: {"guests": guests}
)
