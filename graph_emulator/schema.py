"""Graph v1.0 type schemas, read from msgraph-sdk's generated models.

The SDK is generated from Graph v1.0's ``$metadata``, so a model's ``get_field_deserializers()``
names exactly the type's properties, inherited ones included. It names navigation properties
(``members``, ``manager``, ``sponsors``) too; OData lets a navigation property target only an
entity type and a structural property never one, so a field whose model derives from ``Entity``
is a relationship (not returned by GET), and every other field is a property. Calling each
deserializer on a recording parse node tells which it is, and whether it is a collection
(rendered ``[]`` when the emulator stores nothing) or a single value (``null``).

Reading a model imports every model it references (about 1,200 modules, 1 to 2 s for ``user``), so
each type is read once per process, on first use; ``python -m graph_emulator`` warms the
directory types up in the background while it starts.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from kiota_abstractions.serialization import ParseNode

# The directory types the emulator serves; ``warm_up`` reads these ahead of the first request.
DIRECTORY_TYPES = ("user", "group", "directoryObject", "invitation")

_COLLECTION_READERS = frozenset(
    {"get_collection_of_primitive_values", "get_collection_of_object_values", "get_collection_of_enum_values"}
)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class TypeSchema:
    """One Graph type: its properties (name -> is a collection) and its relationships."""

    name: str
    properties: Mapping[str, bool]
    relationships: frozenset[str]

    @property
    def qualified_name(self) -> str:
        return f"microsoft.graph.{self.name}"

    def has_property(self, name: str) -> bool:
        return name in self.properties

    def knows(self, name: str) -> bool:
        """A property or a relationship: a name ``$select`` accepts."""
        return name in self.properties or name in self.relationships

    def empty(self, name: str) -> list[Any] | None:
        """What Graph returns for a property that holds no value: ``[]`` for collections, else ``null``."""
        return [] if self.properties[name] else None


class _Recorder:
    """Stands in for a parse node: remembers which reader a field deserializer called, and with what."""

    reader = ""
    target: object = None

    def __getattr__(self, reader: str) -> Callable[..., None]:
        def read(*args: object) -> None:
            self.reader, self.target = reader, args[0] if args else None

        return read


def _model(name: str) -> type[Any]:
    """The SDK model class of a Graph type name (``directoryObject`` -> ``DirectoryObject``)."""
    module_name = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    module = importlib.import_module(f"msgraph.generated.models.{module_name}")
    model: type[Any] = getattr(module, name[0].upper() + name[1:])
    return model


@cache
def _read(name: str) -> TypeSchema:
    from msgraph.generated.models.entity import Entity

    properties: dict[str, bool] = {}
    relationships: set[str] = set()
    for field, deserialize in _model(name)().get_field_deserializers().items():
        if field.startswith("@odata."):
            continue  # an annotation, not a property
        recorder = _Recorder()
        deserialize(cast(ParseNode, recorder))
        if isinstance(recorder.target, type) and issubclass(recorder.target, Entity):
            relationships.add(field)
        else:
            properties[field] = recorder.reader in _COLLECTION_READERS
    return TypeSchema(name, properties, frozenset(relationships))


def schema(name: str) -> TypeSchema:
    """The schema of a Graph type by its name (``user``, ``group``, ``invitedUserMessageInfo``)."""
    with _LOCK:  # one reader at a time: the warm-up thread and a request may ask together
        return _read(name)


def warm_up() -> threading.Thread:
    """Read the directory types in a background thread, so no request waits for the SDK import."""
    thread = threading.Thread(target=lambda: [schema(n) for n in DIRECTORY_TYPES], daemon=True)
    thread.start()
    return thread
