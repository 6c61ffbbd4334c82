"""No FunctionRegister at the top level: a Blueprint alone is not indexed by the worker."""

import azure.functions as func

bp = func.Blueprint()


@bp.route(route="orphan")
def orphan(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("never served")
