"""Two FunctionRegister instances at the top level: the worker refuses to choose."""

import azure.functions as func

app = func.FunctionApp()
other = func.FunctionApp()
