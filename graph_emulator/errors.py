"""One error type for the emulator, rendered once in Graph's error shape.

GraphError
 ├── BadRequest                (400 Request_BadRequest / BadRequest)
 ├── InvalidAuthenticationToken (401)
 ├── AuthorizationDenied       (403 Authorization_RequestDenied)
 ├── ResourceNotFound          (404 Request_ResourceNotFound)
 ├── MethodNotAllowed          (405)
 ├── Conflict                  (409)
 ├── TooManyRequests           (429, with Retry-After)
 └── ServiceUnavailable        (503, with Retry-After)

The SDK turns these bodies into ``ODataError``/``APIError`` with the code and message set, so
client error handling is tested against the same shape a real tenant sends.
"""

from __future__ import annotations

from typing import Any


class GraphError(Exception):
    status: int = 500
    code: str = "InternalServerError"
    message: str = "An internal server error occurred."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message if message is not None else type(self).message
        self.code = code or type(self).code
        self.status = status or type(self).status
        self.headers = dict(headers or {})
        super().__init__(f"{self.status} {self.code}: {self.message}")

    def body(self, *, date: str, request_id: str, client_request_id: str) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": date,
                    "request-id": request_id,
                    "client-request-id": client_request_id,
                },
            }
        }


class BadRequest(GraphError):
    status = 400
    code = "Request_BadRequest"
    message = "Invalid request."


class InvalidAuthenticationToken(GraphError):
    status = 401
    code = "InvalidAuthenticationToken"
    message = "Access token is empty."


class AuthorizationDenied(GraphError):
    status = 403
    code = "Authorization_RequestDenied"
    message = "Insufficient privileges to complete the operation."


class ResourceNotFound(GraphError):
    status = 404
    code = "Request_ResourceNotFound"

    def __init__(self, resource_id: str, **kwargs: Any) -> None:
        super().__init__(
            f"Resource '{resource_id}' does not exist or one of its queried reference-property "
            "objects are not present.",
            **kwargs,
        )


class SegmentNotFound(GraphError):
    """An unknown URL path: what Graph answers for a route it does not serve."""

    status = 400
    code = "BadRequest"

    def __init__(self, segment: str) -> None:
        super().__init__(f"Resource not found for the segment '{segment}'.")


class MethodNotAllowed(GraphError):
    status = 405
    code = "Request_BadRequest"
    message = "Specified HTTP method is not allowed for the request target."


class Conflict(GraphError):
    status = 409
    code = "Request_MultipleObjectsWithSameKeyValue"
    message = "Another object with the same value for property already exists."


class TooManyRequests(GraphError):
    status = 429
    code = "TooManyRequests"
    message = "Too many requests."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(GraphError):
    status = 503
    code = "ServiceUnavailable"
    message = "The service is temporarily unavailable. Please retry later."

    def __init__(self, status: int = 503, retry_after: int | None = 1) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        code = {500: "InternalServerError", 502: "BadGateway", 504: "GatewayTimeout"}.get(status)
        super().__init__(None, code=code, status=status, headers=headers)
