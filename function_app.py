"""The Guestkeeper Function App: registers the triggers and nothing else of substance.

Each trigger lives in a blueprint under ``shared/triggers/`` and stays thin: parse the binding,
call one domain coroutine with an injected Graph client and settings, map the result.
"""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
