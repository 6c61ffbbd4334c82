"""Two functions with the same name: azure-functions' own validation fails indexing."""

import azure.functions as func

app = func.FunctionApp()


@app.function_name("same")
@app.route(route="one")
def one(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("1")


@app.function_name("same")
@app.route(route="two")
def two(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("2")
