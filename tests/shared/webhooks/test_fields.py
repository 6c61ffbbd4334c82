"""The field checks every signed HR endpoint shares: the address rule (hostile input refused, never
echoed) and the bulk envelope."""

from __future__ import annotations

import pytest

from shared.errors import ValidationFailed
from shared.webhooks.fields import email_problem, parse_bulk


@pytest.mark.parametrize(
    "address",
    [
        "ada@fabrikam.com",
        "o'brien@fabrikam.com",
        "first.last@sub.fabrikam.co.uk",
        "under_score@fabrikam.com",
        "a-b@xn--bcher-kva.example",
        "x@fabrikam.io",
    ],
)
def test_good_addresses(address: str) -> None:
    assert email_problem(address) is None


@pytest.mark.parametrize(
    "address",
    [
        "plainaddress",
        "@fabrikam.com",
        "ada@",
        "ada@@fabrikam.com",
        "ada@fabrikam",
        "ada@fabrikam.c0m",
        ".ada@fabrikam.com",
        "ada.@fabrikam.com",
        "a..b@fabrikam.com",
        "'@fabrikam.com",
        "ada'@fabrikam.com",
        "o''brien@fabrikam.com",
        "ada+tag@fabrikam.com",
        "ada lovelace@fabrikam.com",
        " ada@fabrikam.com",
        "ada@fabrikam.com\n",
        "ada@fabrikam.com' or '1'='1",
        "x' or mail eq 'admin@contoso.com",
        "ada;drop@fabrikam.com",
        'ada"@fabrikam.com',
        "<script>@fabrikam.com",
        "adä@fabrikam.com",
        "ada@fab_rikam.com",
        "ada@-fabrikam.com",
        "a" * 65 + "@fabrikam.com",
        "ada@" + "a" * 250 + ".com",
        "ada@fabrikam.com%00",
    ],
)
def test_bad_and_hostile_addresses(address: str) -> None:
    problem = email_problem(address)
    assert problem is not None
    assert address not in problem


def test_the_bulk_envelope_keeps_each_entrys_own_refusal() -> None:
    def parse(item: object, prefix: str) -> str:
        if item != "ok":
            raise ValidationFailed("bad", errors=[])
        return prefix

    parsed = parse_bulk({"guests": ["ok", 3, "ok"]}, max_guests=3, parse=parse)
    assert parsed[0] == "guests[0]."
    assert isinstance(parsed[1], ValidationFailed)
    assert parsed[2] == "guests[2]."
    with pytest.raises(ValidationFailed) as caught:
        parse_bulk({"guests": ["ok"] * 4, "extra": 1}, max_guests=3, parse=parse)
    assert [e.field for e in caught.value.errors] == ["extra", "guests"]
