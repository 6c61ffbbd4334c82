"""Policy from settings: domains (allow and deny, subdomain wildcards), group allowlist, redirects."""

from __future__ import annotations

import pytest

from shared.errors import PolicyRefused
from shared.onboarding.policy import check_policy, domain_allowed
from shared.onboarding.validation import parse_guest_request
from tests.shared.conftest import FEELGOOD, NOT_ALLOWED_GROUP, guest, make_settings


@pytest.mark.parametrize(
    ("domain", "allowed"),
    [
        ("fabrikam.com", True),
        ("blocked.example", False),
        ("eu.evil.example", False),
        ("evil.example", True),  # "*.evil.example" is subdomains only
    ],
)
def test_deny_list(domain: str, allowed: bool) -> None:
    assert domain_allowed(domain, make_settings().onboarding) is allowed


def test_allow_list_with_wildcard() -> None:
    settings = make_settings(ONBOARDING_ALLOWED_DOMAINS="fabrikam.com,*.partners.example").onboarding
    assert domain_allowed("fabrikam.com", settings)
    assert domain_allowed("eu.partners.example", settings)
    assert not domain_allowed("partners.example", settings)
    assert not domain_allowed("notfabrikam.com", settings)
    assert not domain_allowed("fabrikam.com.evil.example", settings)


@pytest.mark.parametrize(
    ("payload", "slug", "field"),
    [
        (guest("ada@blocked.example"), "domain-not-allowed", "email"),
        (guest(groups=[FEELGOOD, NOT_ALLOWED_GROUP]), "group-not-allowed", "groups[1]"),
        (guest(redirectUrl="https://elsewhere.example/x"), "redirect-not-allowed", "redirectUrl"),
    ],
)
def test_refusals_name_the_field(payload: dict[str, object], slug: str, field: str) -> None:
    with pytest.raises(PolicyRefused) as caught:
        check_policy(parse_guest_request(payload), make_settings().onboarding)
    assert caught.value.slug == slug
    assert [e.field for e in caught.value.errors] == [field]


def test_allowed_redirects_include_the_default() -> None:
    settings = make_settings().onboarding
    check_policy(parse_guest_request(guest(redirectUrl="https://myapps.microsoft.com")), settings)
    check_policy(parse_guest_request(guest(redirectUrl="https://partners.contoso.com/welcome")), settings)
