"""Pure request parsing: every bad field named, values never echoed, hostile input refused."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import ValidationFailed
from shared.onboarding.models import GuestRequest
from shared.onboarding.validation import parse_bulk_request, parse_guest_request
from tests.shared.conftest import FEELGOOD, MEGAN, RETAIL, guest


def fields_of(payload: Any) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_guest_request(payload)
    return [e.field for e in caught.value.errors]


def test_full_request() -> None:
    parsed = parse_guest_request(
        guest(
            "O'Brien@Fabrikam.com",
            groups=[FEELGOOD.upper(), RETAIL, FEELGOOD],
            sponsor=MEGAN.upper(),
            redirectUrl="https://partners.contoso.com/welcome/",
            invitation={"sendEmail": True, "message": "Welcome", "language": "en-US"},
            externalRef="HR-1001",
            override={"reason": " re-hired after review "},
        )
    )
    assert parsed.email == "O'Brien@Fabrikam.com"
    assert parsed.address == "o'brien@fabrikam.com"
    assert parsed.domain == "fabrikam.com"
    assert parsed.groups == (FEELGOOD, RETAIL)
    assert parsed.sponsor == MEGAN
    assert parsed.redirect_url == "https://partners.contoso.com/welcome"
    assert parsed.invitation.send_email is True
    assert parsed.external_ref == "HR-1001"
    assert parsed.override is not None
    assert parsed.override.reason == "re-hired after review"


def test_repr_hides_personal_data() -> None:
    parsed = parse_guest_request(guest(invitation={"message": "secret note"}, override={"reason": "why"}))
    text = repr(parsed)
    assert "ada@" not in text
    assert "Lovelace" not in text
    assert "secret note" not in text
    assert "why" not in text


def test_missing_and_wrong_types_are_each_named() -> None:
    assert fields_of({}) == ["email", "groups"]
    assert fields_of({"email": 1, "groups": "x", "displayName": 2, "sponsor": [], "externalRef": {}}) == [
        "email",
        "displayName",
        "groups",
        "sponsor",
        "externalRef",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"groups": []}, "groups"),
        ({"groups": [f"{i:08d}-0000-4000-8000-000000000000" for i in range(21)]}, "groups"),
        ({"groups": ["not-a-guid"]}, "groups[0]"),
        ({"groups": [FEELGOOD, 7]}, "groups[1]"),
        ({"sponsor": "megan@contoso.com"}, "sponsor"),
        ({"redirectUrl": "http://partners.contoso.com"}, "redirectUrl"),
        ({"redirectUrl": "javascript:alert(1)"}, "redirectUrl"),
        ({"redirectUrl": "https://["}, "redirectUrl"),  # urlsplit raises on an unclosed IPv6 bracket
        ({"invitation": "yes"}, "invitation"),
        ({"invitation": {"sendEmail": "true"}}, "invitation.sendEmail"),
        ({"invitation": {"language": "english please"}}, "invitation.language"),
        ({"invitation": {"cc": ["x@y.com"]}}, "invitation.cc"),
        ({"override": {}}, "override.reason"),
        ({"override": "because"}, "override"),
        ({"override": {"reason": "   "}}, "override.reason"),
        ({"displayName": "Ada\u0000"}, "displayName"),
        ({"displayName": "x" * 257}, "displayName"),
        ({"externalRef": " HR-1"}, "externalRef"),
        ({"email": "ada@fabrikam.com", "group": [FEELGOOD]}, "group"),
        ({"email": ""}, "email"),
    ],
)
def test_bad_fields(change: dict[str, Any], field: str) -> None:
    assert field in fields_of(guest() | change)


def test_messages_never_quote_the_address() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_guest_request(guest("evil'@fabrikam.com"))
    assert "evil" not in str(caught.value.detail) + repr([e.message for e in caught.value.errors])


def test_bulk_envelope_and_items() -> None:
    parsed = parse_bulk_request({"guests": [guest(), {"email": "bad"}]}, max_guests=5)
    assert isinstance(parsed[0], GuestRequest)
    assert isinstance(parsed[1], ValidationFailed)
    assert [e.field for e in parsed[1].errors] == ["guests[1].email", "guests[1].groups"]


@pytest.mark.parametrize(
    "payload", [[], {"guests": []}, {"guests": {}}, {"guests": [guest()] * 6}, {"guests": [guest()], "x": 1}]
)
def test_bulk_envelope_errors(payload: Any) -> None:
    with pytest.raises(ValidationFailed):
        parse_bulk_request(payload, max_guests=5)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@given(
    st.dictionaries(
        st.sampled_from(["email", "groups", "sponsor", "invitation", "override", "x"]), json_values
    )
)
def test_arbitrary_json_is_parsed_or_refused_never_crashes(payload: dict[str, Any]) -> None:
    errors: tuple[object, ...] = ("parsed",)
    try:
        parse_guest_request(payload)
    except ValidationFailed as exc:
        errors = exc.errors
    assert errors
