"""The Guestkeeper Function App: registers the triggers and nothing else of substance.

Each trigger lives in a blueprint in its flow's package (``shared/<flow>/trigger.py``) and stays
thin: parse the binding, call one domain coroutine with an injected Graph client and settings, map
the result. Every HTTP function needs a function key (auth level FUNCTION); nothing is built or
read at import time.
"""

import azure.functions as func

from shared.cleanup.trigger import bp as cleanup
from shared.governance.trigger import bp as governance
from shared.onboarding.trigger import bp as onboarding

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(onboarding)
app.register_functions(governance)
app.register_functions(cleanup)
