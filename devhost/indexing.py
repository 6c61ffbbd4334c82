"""Index ``function_app`` as the Python worker does, then load each function as the worker would.

Indexing mirrors ``azure_functions_worker.loader.index_function_app``: import the script module,
require exactly one top-level ``FunctionRegister`` (with the worker's error messages), return
``app.get_functions()``. Loading mirrors the worker's ``FunctionInfo`` checks: parameters and
binding names must agree, ``context`` is injected, ``Out[...]`` marks output bindings.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import json
import sys
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func
from azure.functions.decorators.function_app import Function

SUPPORTED_TRIGGERS = frozenset({"httpTrigger", "timerTrigger", "queueTrigger"})
SUPPORTED_OUTPUTS = frozenset({"http", "queue"})


class FunctionLoadError(RuntimeError):
    """The worker refuses to load the function (same wording as the worker's error)."""

    def __init__(self, function_name: str, message: str) -> None:
        super().__init__(f"cannot load the {function_name} function: {message}")


class UnsupportedBindingError(RuntimeError):
    """A binding devhost cannot emulate; the real host would run it, so say so loudly."""


@dataclass(frozen=True)
class IndexedFunction:
    """One function as the host sees it: its raw bindings (function.json) and how to call it."""

    name: str
    function: Function
    trigger: dict[str, Any]
    bindings: tuple[dict[str, Any], ...]
    user_function: Callable[..., Any]
    is_async: bool
    requires_context: bool
    input_types: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    return_binding: dict[str, Any] | None = None

    @property
    def trigger_type(self) -> str:
        return str(self.trigger["type"])

    @property
    def trigger_param(self) -> str:
        return str(self.trigger["name"])


def script_file_name(module_name: str) -> str:
    return f"{module_name}.py"


@contextlib.contextmanager
def _on_sys_path(directory: Path) -> Iterator[None]:
    entry = str(directory)
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        if added and entry in sys.path:
            sys.path.remove(entry)


def import_app_module(app_dir: Path, module_name: str) -> ModuleType:
    """Import ``<app_dir>/<module_name>.py`` afresh, as a new worker process would.

    A fresh module object means a fresh ``FunctionApp`` (``get_functions()`` may be called only once
    per app: it records names to detect duplicates). The previous ``sys.modules`` entry is restored
    afterwards so that an in-process import elsewhere (tests) is not replaced under its feet.
    """
    path = app_dir / script_file_name(module_name)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: devhost needs the app's script file")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(module_name)
    sys.modules[module_name] = module
    try:
        with _on_sys_path(app_dir):
            spec.loader.exec_module(module)
    finally:
        if previous is not None:
            sys.modules[module_name] = previous
        else:
            sys.modules.pop(module_name, None)
    return module


def find_function_app(module: ModuleType, script_file: str) -> func.FunctionRegister:
    """Exactly one top-level ``FunctionRegister`` (by attribute name, like the worker)."""
    app: func.FunctionRegister | None = None
    for name in module.__dir__():
        candidate = getattr(module, name, None)
        if isinstance(candidate, func.FunctionRegister):
            if app is not None:
                raise ValueError(
                    f"More than one {app.__class__.__name__} or other top "
                    "level function app instances are defined."
                )
            app = candidate
    if app is None:
        raise ValueError(f"Could not find top level function app instances in {script_file}.")
    return app


def index_function_app(app_dir: Path, module_name: str = "function_app") -> list[Function]:
    module = import_app_module(app_dir, module_name)
    app = find_function_app(module, script_file_name(module_name))
    return app.get_functions()


def _is_out(annotation: Any) -> bool:
    origin = typing.get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, func.Out)


def load_function(function: Function) -> IndexedFunction:
    """Check the signature against the bindings as the worker's ``add_function`` does."""
    name = function.get_function_name() or function.get_user_function().__name__
    bindings = tuple(json.loads(raw) for raw in function.get_raw_bindings())
    user_function = function.get_user_function()
    params = dict(inspect.signature(user_function).parameters)
    hints = typing.get_type_hints(user_function)
    bound = {b["name"]: b for b in bindings if b["name"] != "$return"}
    returns = [b for b in bindings if b["name"] == "$return"]
    if returns and str(returns[0]["direction"]).upper() != "OUT":
        raise FunctionLoadError(name, '"$return" binding must have direction set to "out"')
    requires_context = "context" in params and "context" not in bound
    if requires_context:
        params.pop("context")
    if missing := set(params) - set(bound):
        raise FunctionLoadError(
            name, f"the following parameters are declared in Python but not in function.json: {missing!r}"
        )
    if extra := set(bound) - set(params):
        raise FunctionLoadError(
            name, f"the following parameters are declared in function.json but not in Python: {extra!r}"
        )
    inputs: dict[str, Any] = {}
    outputs: dict[str, dict[str, Any]] = {}
    for param, binding in bound.items():
        is_out_binding = str(binding["direction"]).upper() == "OUT"
        annotated_out = _is_out(hints.get(param))
        if is_out_binding and param in hints and not annotated_out:
            raise FunctionLoadError(
                name,
                f'binding {param} is declared to have the "out" direction, but its annotation in '
                "Python is not a subclass of azure.functions.Out",
            )
        if not is_out_binding and annotated_out:
            raise FunctionLoadError(
                name,
                f'binding {param} is declared to have the "in" direction in function.json, but its '
                "annotation is azure.functions.Out in Python",
            )
        if is_out_binding:
            outputs[param] = binding
        else:
            inputs[param] = hints.get(param)
    trigger = function.get_trigger()
    if trigger is None:  # FunctionBuilder.build() already refuses this; keep mypy and readers sure
        raise FunctionLoadError(name, "no trigger")
    trigger_dict = next(b for b in bindings if b["name"] == trigger.name)
    return IndexedFunction(
        name=name,
        function=function,
        trigger=trigger_dict,
        bindings=bindings,
        user_function=user_function,
        is_async=inspect.iscoroutinefunction(user_function),
        requires_context=requires_context,
        input_types=inputs,
        outputs=outputs,
        return_binding=returns[0] if returns else None,
    )


def check_supported(fn: IndexedFunction) -> None:
    """Refuse, at startup, bindings devhost would otherwise silently ignore."""
    if fn.trigger_type not in SUPPORTED_TRIGGERS:
        raise UnsupportedBindingError(
            f"Function '{fn.name}': devhost does not emulate trigger type '{fn.trigger_type}' "
            f"(supported: {', '.join(sorted(SUPPORTED_TRIGGERS))})"
        )
    for binding in fn.bindings:
        if binding is fn.trigger:
            continue
        if str(binding["direction"]).upper() != "OUT" or binding["type"] not in SUPPORTED_OUTPUTS:
            raise UnsupportedBindingError(
                f"Function '{fn.name}': devhost does not emulate the {binding['direction']} binding "
                f"'{binding['name']}' of type '{binding['type']}' (supported outputs: http, queue)"
            )
