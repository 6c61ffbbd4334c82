"""Terminal outcomes of a guest, published for the HR system: the one interface every flow calls.

A flow that reaches a terminal outcome (onboarded, refused by policy, cool-down, offboarded,
removed by review, disabled, deleted, invitation expired) builds an ``Outcome`` and calls
``await publisher.publish(outcome)`` (``publish_all`` for several). The worker hands each flow one
publisher: ``QueuedOutcomes`` puts the outcome on the HR callback queue when ``HR_CALLBACK_URL``
is set, and ``NO_OUTCOMES`` does nothing when it is not. Publishing never calls HR: the
``shared.callbacks`` queue function delivers, signed, with the host's retries and poison queue.

An outcome's ``webhook_id`` is derived from its kind, its guest and its ``source`` (the event it
answers: a webhook id, a review instance, a pending-since date), so a flow that runs again after a
crash publishes the same id and HR can drop the duplicate. docs/operations.md has the contract.
"""

from shared.outcomes.outcome import InvalidOutcomeMessage, Outcome, OutcomeKind, OutcomeMessage
from shared.outcomes.publisher import NO_OUTCOMES, NoOutcomes, OutcomePublisher, QueuedOutcomes, publish_all

__all__ = [
    "NO_OUTCOMES",
    "InvalidOutcomeMessage",
    "NoOutcomes",
    "Outcome",
    "OutcomeKind",
    "OutcomeMessage",
    "OutcomePublisher",
    "QueuedOutcomes",
    "publish_all",
]
