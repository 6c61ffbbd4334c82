"""A publisher that keeps what the flows publish, for tests that assert the outcomes HR would get."""

from __future__ import annotations

from shared.outcomes import Outcome, OutcomeKind


class RecordedOutcomes:
    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []

    async def publish(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def of(self, kind: OutcomeKind) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind is kind]
