"""Routes for ``/invitations`` and its control-plane helpers under ``/_emulator``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from . import handlers

GRAPH_ROUTES: list[BaseRoute] = [
    Route("/invitations", handlers.create_invitation, methods=["POST"]),
]

CONTROL_ROUTES: list[BaseRoute] = [
    Route("/outbox", handlers.outbox, methods=["GET"]),
    Route("/invitations/{invitation_id}/redeem", handlers.redeem, methods=["POST"]),
]
