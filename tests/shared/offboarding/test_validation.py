"""Pure parsing of offboarding requests: the fields, their defaults, every bad field named, values
never echoed."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import ValidationFailed
from shared.offboarding.models import OffboardRequest
from shared.offboarding.validation import parse_bulk_request, parse_offboard_request


def fields_of(payload: Any) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_offboard_request(payload)
    return [e.field for e in caught.value.errors]


def test_full_request_and_defaults() -> None:
    full = parse_offboard_request(
        {
            "email": "O'Brien@Fabrikam.com",
            "externalRef": "HR-9",
            "reason": " contract ended ",
            "cooldown": False,
        }
    )
    assert full == OffboardRequest("O'Brien@Fabrikam.com", "HR-9", "contract ended", cooldown=False)
    assert full.address == "o'brien@fabrikam.com"
    bare = parse_offboard_request({"email": "ada@fabrikam.com"})
    assert (bare.external_ref, bare.reason, bare.cooldown) == (None, None, True)  # the cool-down is on


def test_repr_hides_the_address_and_the_reason() -> None:
    text = repr(parse_offboard_request({"email": "ada@fabrikam.com", "reason": "Ada Lovelace left"}))
    assert "ada@" not in text
    assert "Lovelace" not in text


def test_every_bad_field_is_named_and_no_value_is_echoed() -> None:
    assert fields_of({}) == ["email"]
    payload = {"email": "x' or '1'='1", "externalRef": " HR", "reason": 3, "cooldown": "yes", "groups": []}
    with pytest.raises(ValidationFailed) as caught:
        parse_offboard_request(payload)
    assert [e.field for e in caught.value.errors] == ["groups", "email", "externalRef", "reason", "cooldown"]
    assert "1'='1" not in str([e.message for e in caught.value.errors])


def test_bulk_entries_are_parsed_on_their_own_with_their_paths() -> None:
    parsed = parse_bulk_request({"guests": [{"email": "ada@fabrikam.com"}, {"email": 1}]}, max_guests=2)
    assert isinstance(parsed[0], OffboardRequest)
    assert isinstance(parsed[1], ValidationFailed)
    assert [e.field for e in parsed[1].errors] == ["guests[1].email"]
    with pytest.raises(ValidationFailed):
        parse_bulk_request({"guests": [{"email": "ada@fabrikam.com"}] * 3}, max_guests=2)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda i: st.lists(i) | st.dictionaries(st.text(), i),
    )
)
def test_arbitrary_json_is_parsed_or_refused_never_crashes(payload: Any) -> None:
    errors: tuple[object, ...] = ("parsed",)
    try:
        parse_offboard_request(payload)
    except ValidationFailed as exc:
        errors = exc.errors
    assert errors
