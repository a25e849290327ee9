"""Exception handlers: every error leaves the server as JSON `{"detail": "<one clear line>"}`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa.errors import QuestionError, WendaError

log = logging.getLogger("server")


def _where(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def validation_message(errors: Sequence[dict[str, Any]]) -> str:
    """One line describing pydantic validation errors, e.g. `question: must not be empty`."""
    messages: list[str] = []
    for err in errors:
        if err.get("type") == "json_invalid":
            messages.append("the request body is not valid JSON")
            continue
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            msg = "is required"
        where = _where(err.get("loc", ()))
        messages.append(f"{where}: {msg}" if where else msg)
    return "; ".join(messages) or "invalid request"


def error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON error body every handler returns."""
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(422, validation_message(exc.errors()))


async def _question_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(422, str(exc))


async def _wenda_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("pipeline error on %s: %s", request.url.path, exc)
    return error_response(503, str(exc) or type(exc).__name__)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return error_response(500, "internal server error; the details are in the server log")


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(QuestionError, _question_error)
    app.add_exception_handler(WendaError, _wenda_error)
    app.add_exception_handler(Exception, _unexpected_error)
