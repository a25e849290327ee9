"""The OpenAPI document says what this server does, for the settings it runs with.

FastAPI's generated schema is adjusted once per app: the question/message length limit and non-blank rule,
every error answered as `{"detail": "<message>"}` (422 included), the 400/413 answers of the body-size
middleware, 401 only when an API key is set (the security schemes too), 429 only when the rate limit is on.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from server.settings import ServerSettings

NON_BLANK = r"\S"
"""JSON-Schema pattern of a string with at least one non-whitespace character (what `str.strip()` keeps)."""
_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
_TEXT_FIELDS = {"AskRequest": "question", "ChatRequest": "message", "UserMessage": "content"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def adjust(schema: dict[str, Any], settings: ServerSettings) -> dict[str, Any]:
    """`schema` (FastAPI's) made exact for `settings`; returns it."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model, field in _TEXT_FIELDS.items():
        prop = schemas.get(model, {}).get("properties", {}).get(field)
        if prop is not None:
            prop["maxLength"] = settings.max_question_chars
            prop["minLength"] = 1
            prop["pattern"] = NON_BLANK
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    if not settings.api_key:
        components.pop("securitySchemes", None)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = _error(responses["422"].get("description", "Invalid request."))
            responses.setdefault("400", _error("Invalid Content-Length header."))
            responses.setdefault("413", _error(f"Request body over {settings.max_body_bytes} bytes."))
            if not settings.api_key:
                operation.pop("security", None)
                responses.pop("401", None)
            if not path.startswith(("/api/", "/v1/")) or settings.rate_limit_per_minute == 0:
                responses.pop("429", None)
    if not schemas:
        components.pop("schemas", None)
    if not components:
        schema.pop("components", None)
    return schema


def install(app: FastAPI, settings: ServerSettings) -> None:
    """Serve the adjusted document at /openapi.json (built on first request, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generated = get_openapi(
                title=app.title, version=app.version, openapi_version=app.openapi_version, summary=app.summary,
                description=app.description, routes=app.routes,
            )
            app.openapi_schema = adjust(generated, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
