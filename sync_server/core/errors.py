"""The one error shape every endpoint answers with: `{"error": {"code", "message"}}`, plus handlers."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync_server.core.config import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION

log = logging.getLogger(__name__)
PROTOCOL_HEADER = "Study-Teddy-Protocol"
_HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """What every failed request answers: a stable code for programs, a sentence for people."""

    error: ErrorBody


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def not_found(what: str = "That") -> ApiError:
    # The same answer for "not there" and "not yours": an id never tells whether it exists.
    return ApiError(404, "not_found", f"{what} was not found.")


def unauthorized(message: str = "Sign in again.") -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def protocol_refusal(version: str | None) -> ApiError:
    """Why a client's protocol header is refused: "update needed", never a merge it would get wrong."""
    spoken = int(version) if version is not None and version.strip().lstrip("-").isdigit() else None
    if spoken is not None and spoken > PROTOCOL_VERSION:
        return ApiError(426, "server_too_old", f"The server speaks protocol {PROTOCOL_VERSION}, older than this app's "
                                               f"{spoken}: ask the admin to update the server.")
    if spoken is not None:
        return ApiError(426, "update_needed", f"This Study Teddy is too old for this server (protocol {spoken}; "
                                              f"the server needs {MIN_PROTOCOL_VERSION}..{PROTOCOL_VERSION}). "
                                              f"Update the app, then sync again.")
    return ApiError(426, "update_needed", f"This client did not say which sync protocol it speaks: send the "
                                          f"{PROTOCOL_HEADER} header ({MIN_PROTOCOL_VERSION}..{PROTOCOL_VERSION}), "
                                          f"or update the app.")


def allowed_methods(request: Request) -> list[str]:
    """The methods the schema declares for this path, for a 405's Allow header.

    Starlette's own names only the first route whose path matched, so a path served by two routes
    (a blob's GET and PUT) would advertise half of what a client may do.
    """
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods.update(method.upper() for method in operations if method.upper() in _HTTP_METHODS)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _is_protocol_header(problem: dict) -> bool:
    location = tuple(problem.get("loc", ()))
    return len(location) >= 2 and location[0] == "header" and str(location[1]).lower() == PROTOCOL_HEADER.lower()


def _body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 406: "not_acceptable", 413: "too_large", 415: "unsupported_media_type",
                 422: "invalid_input", 429: "rate_limited"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(_body(error.code, error.message), status_code=error.status, headers=error.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(error.status_code, "error")
        message = error.detail if isinstance(error.detail, str) else "The request could not be handled."
        headers = dict(getattr(error, "headers", None) or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
        return JSONResponse(_body(code, message), status_code=error.status_code, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        # The protocol header is declared exactly (required, MIN..MAX) but a client outside it is answered
        # as the protocol promises, 426 "update needed", before anything else about its request.
        if any(_is_protocol_header(problem) for problem in error.errors()):
            refusal = protocol_refusal(request.headers.get(PROTOCOL_HEADER))
            return JSONResponse(_body(refusal.code, refusal.message), status_code=refusal.status)
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        message = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "Invalid input."))
        return JSONResponse(_body("invalid_input", message), status_code=422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> JSONResponse:
        log.exception("Unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(_body("internal_error", "Something went wrong on the server; it was logged."),
                            status_code=500)


ERROR_RESPONSES = {status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 409, 413, 422, 426, 429)}
