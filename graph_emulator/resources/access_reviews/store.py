"""What one tenant's access reviews hold: definitions, instances, pending deletions, reminders sent.

Both the clock-driven transitions (``lifecycle``) and the operations (``backend`` and its
``stage_operations``) act on this store, so it sits below them and imports flow one way: store,
then lifecycle, then the operations. Lookups by id (404 when unknown) live here for all of them.
"""

from __future__ import annotations

from datetime import datetime

from graph_emulator.errors import ResourceNotFound
from graph_emulator.state import TenantState

from .models import Definition, Instance, Json


class ReviewStore:
    def __init__(self, state: TenantState) -> None:
        self.state = state
        self.definitions: dict[str, Definition] = {}
        self.instances: dict[str, Instance] = {}
        self.pending_deletions: list[tuple[datetime, str]] = []
        self.reminders: list[Json] = []  # sendReminder: the mails Graph would send, as ids only

    @property
    def now(self) -> datetime:
        return self.state.clock.now()

    def instances_of(self, definition_id: str) -> list[Instance]:
        return [i for i in self.instances.values() if i.definition_id == definition_id]

    def get_definition(self, definition_id: str) -> Definition:
        definition = self.definitions.get(definition_id)
        if definition is None:
            raise ResourceNotFound(definition_id)
        return definition

    def get_instance(self, definition_id: str, instance_id: str) -> Instance:
        self.get_definition(definition_id)
        instance = self.instances.get(instance_id)
        if instance is None or instance.definition_id != definition_id:
            raise ResourceNotFound(instance_id)
        return instance
