"""The audit endpoint's problem types, each rendered by ``shared.webhooks.problems`` (the one home of
problem documents); docs/openapi.yaml lists the same slugs for ``GET /audit`` and a test keeps them equal."""

from __future__ import annotations

PROBLEM_TYPES: dict[str, int] = {
    "invalid-query": 400,
    "nothing-recorded": 404,
    "configuration-error": 500,
    "internal-error": 500,
    "state-unavailable": 503,
}
