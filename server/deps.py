"""FastAPI dependencies: settings, the loaded pipeline, sessions, API key and rate limit."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from qa.conversation import Conversation
from qa.errors import QuestionError, check_question
from qa.pipeline import QAPipeline
from server.ratelimit import SlidingWindowLimiter
from server.sessions import SessionStore
from server.settings import ServerSettings

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The server's API key.")
_bearer = HTTPBearer(auto_error=False, description="The server's API key as a bearer token.")


def get_settings(request: Request) -> ServerSettings:
    """The settings the app was created with."""
    return request.app.state.settings


def get_pipeline(request: Request) -> QAPipeline:
    """The loaded pipeline; 503 while it is still loading or when loading failed."""
    state = request.app.state
    if state.pipeline is not None:
        return state.pipeline
    if state.load_error is not None:
        raise HTTPException(503, f"the index could not be loaded: {state.load_error}")
    raise HTTPException(503, "the index is still loading; try again shortly", headers={"Retry-After": "5"})


def checked_text(text: str, max_chars: int) -> str:
    """The stripped question; QuestionError (422) when blank, invalid, or longer than `max_chars` as sent (the
    limit the OpenAPI schema states as `maxLength`)."""
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {max_chars}")
    return check_question(text, max_chars)


def get_sessions(request: Request) -> SessionStore[Conversation]:
    """The chat session store."""
    return request.app.state.sessions


def client_key(request: Request) -> str:
    """Who is asking, for rate limiting: the peer address."""
    return request.client.host if request.client else "unknown"


def rate_limit(request: Request) -> None:
    """429 with `Retry-After` once the client is past `settings.rate_limit_per_minute`."""
    limiter: SlidingWindowLimiter = request.app.state.limiter
    wait = limiter.hit(client_key(request))
    if wait is not None:
        raise HTTPException(
            429,
            f"too many requests: the limit is {limiter.limit} per minute; retry in {wait:.0f} s",
            headers={"Retry-After": limiter.retry_after_header(wait)},
        )


def require_api_key(
    request: Request,
    api_key: Annotated[str | None, Security(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> None:
    """401 unless the request carries the configured API key (no-op when `settings.api_key` is unset)."""
    expected = get_settings(request).api_key
    if not expected:
        return
    supplied = api_key or (bearer.credentials if bearer else None)
    if not supplied or not secrets.compare_digest(supplied.encode(), expected.encode()):
        raise HTTPException(
            401,
            "missing or wrong API key: send it in the X-API-Key header or as Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )


SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
PipelineDep = Annotated[QAPipeline, Depends(get_pipeline)]
SessionsDep = Annotated[SessionStore[Conversation], Depends(get_sessions)]
