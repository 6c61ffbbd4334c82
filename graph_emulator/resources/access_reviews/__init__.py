"""Access reviews: schedule definitions, their instances, stages and decision items, over the
tenant's directory.

Modules: ``models`` (records), ``fields``, ``validation`` and ``stage_settings`` (what a
definition may contain), ``scopes`` (query forms and what they select), ``schedule``
(recurrence), ``reviewers`` (who reviews what), ``decisions`` (decision rules),
``stage_decisions`` (a multi-stage instance's items), ``store`` (one tenant's records),
``stages`` and ``lifecycle`` (clock-driven transitions on the store), ``stage_operations`` and
``backend`` (operations; they extend the store), ``render`` (JSON per version), ``endpoints``,
``handlers``, ``stage_handlers``, ``control`` and ``routes`` (HTTP). Imports never form a cycle
(a test checks): the lifecycle acts on the store, the operations use the lifecycle. Behaviour
and sources: docs/emulator-access-reviews.md.
"""

from .backend import AccessReviewsBackend, backend_of

__all__ = ["AccessReviewsBackend", "backend_of"]
