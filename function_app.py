"""The Guestkeeper Function App: registers the flows' triggers and nothing else of substance.

Each flow's blueprint lives in its package (``shared/<flow>/trigger.py``) and stays thin: parse the
binding, call one domain coroutine with the dependencies the worker hands that flow, map the result.
The worker is built by the first invocation, never at import or indexing time. Every HTTP function
needs a function key (auth level FUNCTION).
"""

import azure.functions as func

from shared.auditing import trigger as auditing
from shared.callbacks import trigger as callbacks
from shared.cleanup import trigger as cleanup
from shared.governance import trigger as governance
from shared.offboarding import trigger as offboarding
from shared.onboarding import trigger as onboarding
from shared.worker import LazyWorker

worker = LazyWorker()
app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(onboarding.blueprint(worker.onboarding))
app.register_functions(governance.blueprint(worker.governance))
app.register_functions(cleanup.blueprint(worker.cleanup))
app.register_functions(offboarding.blueprint(worker.offboarding))
app.register_functions(callbacks.blueprint(worker.callbacks))
app.register_functions(auditing.blueprint(worker.auditing))
