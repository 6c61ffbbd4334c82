"""Access reviews: schedule definitions, their instances and decision items, over the tenant's directory.

Modules: ``models`` (records), ``validation`` (what a definition may contain), ``scopes`` (query
forms and what they select), ``schedule`` (recurrence), ``lifecycle`` (clock-driven
transitions), ``decisions`` (decision rules), ``backend`` (operations), ``render`` (JSON per
version), ``handlers``/``control``/``routes`` (HTTP). Behaviour and sources: docs/emulator-access-reviews.md.
"""

from .backend import AccessReviewsBackend, backend_of

__all__ = ["AccessReviewsBackend", "backend_of"]
