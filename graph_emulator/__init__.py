"""A stateful Microsoft Graph v1.0 emulator for local work and tests (never deployed).

``create_app()`` returns the ASGI app for in-process use with ``httpx.ASGITransport``;
``python -m graph_emulator`` serves it on a loopback port.
"""

from .app import EmulatorApp, create_app
from .clock import Clock
from .faults import FaultConfig, FaultRule
from .state import TenantState

__all__ = ["Clock", "EmulatorApp", "FaultConfig", "FaultRule", "TenantState", "create_app"]
