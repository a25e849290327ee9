"""The `/api` and OpenAI-compatible `/v1` routers (API key and rate limit apply to both) and the public routers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from server.api.routes import ask, chat, documents, health, openai_chat, widget
from server.deps import rate_limit, require_api_key
from server.schemas import ErrorOut

_errors: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong API key (only when one is configured)."},
    413: {"model": ErrorOut, "description": "Request body over the size limit."},
    429: {"model": ErrorOut, "description": "Rate limit exceeded; see Retry-After."},
    503: {"model": ErrorOut, "description": "Index still loading, or the pipeline failed."},
}

api_router = APIRouter(
    prefix="/api", dependencies=[Depends(rate_limit), Depends(require_api_key)], responses=_errors
)
api_router.include_router(ask.router)
api_router.include_router(chat.router)
api_router.include_router(documents.router)

openai_router = APIRouter(
    prefix="/v1", dependencies=[Depends(rate_limit), Depends(require_api_key)], responses=_errors
)
"""OpenAI-compatible routes: the same API key (as a bearer token) and rate limit as /api."""
openai_router.include_router(openai_chat.router)

public_router = APIRouter()
public_router.include_router(health.router)
public_router.include_router(widget.router)
