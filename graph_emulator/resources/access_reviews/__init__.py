"""Access reviews: schedule definitions, their instances and decision items, over the tenant's directory.

Modules: ``models`` (records), ``validation`` (what a definition may contain), ``scopes`` (query
forms and what they select), ``schedule`` (recurrence), ``reviewers`` (who reviews an instance),
``decisions`` (decision rules), ``store`` (one tenant's records), ``lifecycle`` (clock-driven
transitions on the store), ``backend`` (operations; extends the store), ``render`` (JSON per
version), ``handlers``/``control``/``routes`` (HTTP). Imports never form a cycle (a test checks):
the lifecycle acts on the store, the backend uses the lifecycle. Behaviour and sources:
docs/emulator-access-reviews.md.
"""

from .backend import AccessReviewsBackend, backend_of

__all__ = ["AccessReviewsBackend", "backend_of"]
