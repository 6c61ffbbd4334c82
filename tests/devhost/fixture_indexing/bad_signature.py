"""A parameter that no binding declares: the worker fails to load the function."""

import azure.functions as func

app = func.FunctionApp()


@app.route(route="bad")
def bad(req: func.HttpRequest, extra: str) -> func.HttpResponse:
    return func.HttpResponse("unreachable")
