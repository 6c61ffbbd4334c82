"""Step 1, admission: valid entries, each address once, within the policy (domains, groups, redirects).

Pure and checked before anything else (no state, no Graph), so a refused request costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from shared.errors import FieldError, GuestkeeperError, PolicyRefused, ValidationFailed
from shared.onboarding.candidate import Candidate
from shared.onboarding.models import GuestRequest
from shared.onboarding.settings import OnboardingSettings
from shared.state import address_hash
from shared.webhooks.fields import repeated_address


def domain_matches(domain: str, patterns: Iterable[str]) -> bool:
    """``fabrikam.com`` matches itself only; ``*.fabrikam.com`` matches its subdomains."""
    for pattern in patterns:
        if pattern.startswith("*."):
            if domain.endswith(pattern[1:]):
                return True
        elif domain == pattern:
            return True
    return False


def domain_allowed(domain: str, settings: OnboardingSettings) -> bool:
    if domain_matches(domain, settings.denied_domains):
        return False
    return not settings.allowed_domains or domain_matches(domain, settings.allowed_domains)


def check_policy(request: GuestRequest, settings: OnboardingSettings, *, prefix: str = "") -> None:
    """Raise ``PolicyRefused`` for a denied domain, a group outside the allowlist or a foreign redirect."""
    if not domain_allowed(request.domain, settings):
        raise PolicyRefused(
            "Guests from this e-mail domain are not onboarded here.",
            slug="domain-not-allowed",
            title="E-mail domain not allowed",
            errors=[FieldError(f"{prefix}email", "has a domain that the domain allow or deny list refuses")],
        )
    outside = [
        FieldError(f"{prefix}groups[{i}]", "is not in the onboarding group allowlist")
        for i, group in enumerate(request.groups)
        if group not in settings.allowed_group_ids
    ]
    if outside:
        raise PolicyRefused(
            "Guests may only join the groups in the onboarding allowlist, which the guest review covers.",
            slug="group-not-allowed",
            title="Group not allowed",
            errors=outside,
        )
    if request.redirect_url is not None and request.redirect_url not in settings.allowed_redirect_urls:
        raise PolicyRefused(
            "The redirect URL is not one of the allowed redirect URLs.",
            slug="redirect-not-allowed",
            title="Redirect URL not allowed",
            errors=[FieldError(f"{prefix}redirectUrl", "is not in the redirect URL allowlist")],
        )


def admit(
    settings: OnboardingSettings,
    requests_: Sequence[GuestRequest | ValidationFailed],
    prefix: Callable[[int], str],
    errors: dict[int, GuestkeeperError],
) -> list[Candidate]:
    """Drop invalid entries, policy refusals and repeated addresses; the rest go on as candidates."""
    guests: list[Candidate] = []
    seen: dict[str, int] = {}
    for index, request in enumerate(requests_):
        if not isinstance(request, GuestRequest):
            errors[index] = request
            continue
        key = address_hash(request.address)
        if (repeated := repeated_address(seen, key, prefix(index))) is not None:
            errors[index] = repeated
            continue
        try:
            check_policy(request, settings, prefix=prefix(index))
        except GuestkeeperError as exc:
            errors[index] = exc
            continue
        seen[key] = index
        guests.append(Candidate(index, request, prefix(index), key))
    return guests
