"""Route table: Graph paths (mounted under /v1.0 and /beta) and control-plane paths (under /_emulator)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from . import control, handlers, stage_handlers

_DEFINITIONS = "/identityGovernance/accessReviews/definitions"
_DEFINITION = f"{_DEFINITIONS}/{{definition_id}}"
_INSTANCE = f"{_DEFINITION}/instances/{{instance_id}}"
_STAGE = f"{_INSTANCE}/stages/{{stage_id}}"

GRAPH_ROUTES: list[BaseRoute] = [
    Route(_DEFINITIONS, handlers.list_definitions, methods=["GET"]),
    Route(_DEFINITIONS, handlers.create_definition, methods=["POST"]),
    Route(_DEFINITION, handlers.get_definition, methods=["GET"]),
    Route(_DEFINITION, handlers.replace_definition, methods=["PUT"]),
    Route(_DEFINITION, handlers.delete_definition, methods=["DELETE"]),
    Route(f"{_DEFINITION}/instances", handlers.list_instances, methods=["GET"]),
    Route(_INSTANCE, handlers.get_instance, methods=["GET"]),
    Route(f"{_INSTANCE}/stop", handlers.stop_instance, methods=["POST"]),
    Route(f"{_INSTANCE}/applyDecisions", handlers.apply_decisions, methods=["POST"]),
    Route(f"{_INSTANCE}/batchRecordDecisions", handlers.batch_record_decisions, methods=["POST"]),
    Route(f"{_INSTANCE}/acceptRecommendations", handlers.accept_recommendations, methods=["POST"]),
    Route(f"{_INSTANCE}/resetDecisions", handlers.reset_decisions, methods=["POST"]),
    Route(f"{_INSTANCE}/sendReminder", handlers.send_reminder, methods=["POST"]),
    Route(f"{_INSTANCE}/contactedReviewers", handlers.list_contacted_reviewers, methods=["GET"]),
    Route(f"{_INSTANCE}/decisions", handlers.list_decisions, methods=["GET"]),
    Route(f"{_INSTANCE}/decisions/{{decision_id}}", handlers.get_decision, methods=["GET"]),
    Route(f"{_INSTANCE}/decisions/{{decision_id}}", handlers.update_decision, methods=["PATCH"]),
    Route(f"{_INSTANCE}/stages", stage_handlers.list_stages, methods=["GET"]),
    Route(_STAGE, stage_handlers.get_stage, methods=["GET"]),
    Route(_STAGE, stage_handlers.update_stage, methods=["PATCH"]),
    Route(f"{_STAGE}/stop", stage_handlers.stop_stage, methods=["POST"]),
    Route(f"{_STAGE}/acceptRecommendations", stage_handlers.accept_recommendations, methods=["POST"]),
    Route(f"{_STAGE}/batchRecordDecisions", stage_handlers.batch_record_decisions, methods=["POST"]),
    Route(f"{_STAGE}/decisions", stage_handlers.list_decisions, methods=["GET"]),
    Route(f"{_STAGE}/decisions/{{decision_id}}", stage_handlers.get_decision, methods=["GET"]),
    Route(f"{_STAGE}/decisions/{{decision_id}}", stage_handlers.update_decision, methods=["PATCH"]),
]

CONTROL_ROUTES: list[BaseRoute] = [
    Route("/users/{user_id}/lastSignIn", control.set_last_sign_in, methods=["POST"]),
    Route("/accessReviews", control.dump, methods=["GET"]),
    Route("/accessReviews/instances", control.list_all_instances, methods=["GET"]),
    Route("/accessReviews/decisions", control.record_decision, methods=["POST"]),
]
