"""What the audit endpoint is handed: the worker builds it (``shared.worker``), tests build their own."""

from __future__ import annotations

from dataclasses import dataclass

from shared.state import AuditTrail, Denials, DisabledGuests, OnboardingRecords, StateStore


@dataclass(frozen=True)
class AuditingDeps:
    trail: AuditTrail  # the records
    onboarding: OnboardingRecords  # address -> guest id; was the guest onboarded
    denials: Denials  # the guest's latest review denial
    disabled: DisabledGuests  # disabled by cleanup, waiting for its grace deletion

    @classmethod
    def over(cls, store: StateStore) -> AuditingDeps:
        """The stores of ``store`` the audit reads (the worker and the command line alike)."""
        return cls(store.audit, store.onboarding, store.denials, store.disabled)
