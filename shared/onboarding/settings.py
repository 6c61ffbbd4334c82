"""Settings of the onboarding endpoint: the onboarding policy.

One section of ``shared.settings.Settings``: groups, domains, redirect URLs, cool-down, request
limits. The webhook signature's secret and clock skew are ``shared.webhooks.settings``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.config import GUID, Env

DOMAIN = re.compile(r"^(\*\.)?(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class OnboardingSettings:
    allowed_group_ids: frozenset[str]  # lower-case object ids
    allowed_domains: tuple[str, ...]  # empty: any domain not denied; "*.x.com" matches subdomains
    denied_domains: tuple[str, ...]
    redirect_url: str
    allowed_redirect_urls: frozenset[str]  # always includes redirect_url
    denial_cooldown_days: int
    max_body_bytes: int
    max_batch_guests: int

    @classmethod
    def from_env(cls, env: Env) -> OnboardingSettings:
        groups = env.items("ONBOARDING_ALLOWED_GROUP_IDS")
        if not groups:
            env.problem(
                "ONBOARDING_ALLOWED_GROUP_IDS", "is required: the object ids of the groups guests may join"
            )
        elif any(not GUID.match(g) for g in groups):
            env.problem("ONBOARDING_ALLOWED_GROUP_IDS", "must be a comma-separated list of group object ids")
        redirect = env.url("ONBOARDING_REDIRECT_URL", "https://myapps.microsoft.com", https_only=True)
        allowed_redirects = {redirect}
        for value in env.items("ONBOARDING_ALLOWED_REDIRECT_URLS"):
            parts = urlsplit(value)
            if parts.scheme != "https" or not parts.hostname:
                env.problem("ONBOARDING_ALLOWED_REDIRECT_URLS", "must list absolute https URLs")
            allowed_redirects.add(value.rstrip("/"))
        return cls(
            allowed_group_ids=frozenset(g.lower() for g in groups),
            allowed_domains=_domains(env, "ONBOARDING_ALLOWED_DOMAINS"),
            denied_domains=_domains(env, "ONBOARDING_DENIED_DOMAINS"),
            redirect_url=redirect,
            allowed_redirect_urls=frozenset(allowed_redirects),
            denial_cooldown_days=env.integer("ONBOARDING_DENIAL_COOLDOWN_DAYS", 90, minimum=0, maximum=3650),
            max_body_bytes=env.integer(
                "ONBOARDING_MAX_BODY_BYTES", 262_144, minimum=1024, maximum=10 * 1024 * 1024
            ),
            max_batch_guests=env.integer("ONBOARDING_MAX_BATCH_GUESTS", 200, minimum=1, maximum=1000),
        )


def _domains(env: Env, name: str) -> tuple[str, ...]:
    domains = tuple(d.lower().rstrip(".") for d in env.items(name))
    if any(not DOMAIN.match(d) for d in domains):
        env.problem(
            name, "must be a comma-separated list of domains such as 'fabrikam.com' or '*.fabrikam.com'"
        )
    return domains
