"""Graph resources, one package each (models = backend rules, handlers = HTTP, routes = table).

Each subpackage's ``routes`` module exports ``GRAPH_ROUTES`` (mounted under ``/v1.0`` and
``/beta``) and may export ``CONTROL_ROUTES`` (mounted under ``/_emulator``). Discovery is by
package, so adding a resource needs no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from starlette.routing import BaseRoute


def _route_modules() -> list[ModuleType]:
    modules: list[ModuleType] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.ispkg:
            modules.append(importlib.import_module(f"{__name__}.{info.name}.routes"))
    return modules


def graph_routes() -> list[BaseRoute]:
    return [route for module in _route_modules() for route in getattr(module, "GRAPH_ROUTES", [])]


def control_routes() -> list[BaseRoute]:
    return [route for module in _route_modules() for route in getattr(module, "CONTROL_ROUTES", [])]
