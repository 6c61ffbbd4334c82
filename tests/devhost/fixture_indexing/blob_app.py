"""A trigger devhost does not emulate: it must refuse to start rather than ignore it."""

import azure.functions as func

app = func.FunctionApp()


@app.blob_trigger(arg_name="blob", path="container/{name}", connection="AzureWebJobsStorage")
def on_blob(blob: func.InputStream) -> None:
    pass
