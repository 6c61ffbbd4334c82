"""Service principals and app-role assignments: enough for an operator to grant an app (or a managed
identity) its Microsoft Graph application permissions, and for tokens to follow those grants.

Modules: ``models`` (records, Microsoft Graph's seeded service principal), ``backend``
(operations and rules), ``render`` (JSON), ``handlers``/``control``/``routes`` (HTTP). Behaviour
and sources: docs/emulator.md, "Service principals".
"""

from .backend import ServicePrincipalsBackend, backend_of

__all__ = ["ServicePrincipalsBackend", "backend_of"]
