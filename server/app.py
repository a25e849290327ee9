"""The FastAPI application factory.

`create_app(settings)` returns an app whose lifespan loads the pipeline once, in the background, with
`QAPipeline.from_settings`; `/readyz` answers 503 and `/api/*` 503 until it is loaded. Passing a loaded
`pipeline` skips that (tests, `qa serve`). Run with `uvicorn --factory server.app:create_app`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from qa.conversation import Conversation
from qa.pipeline import QAPipeline
from server import errors, openapi
from server.api.main import api_router, openai_router, public_router
from server.api.routes import docs
from server.limits import BodySizeLimitMiddleware
from server.ratelimit import SlidingWindowLimiter
from server.sessions import SessionStore
from server.settings import ServerSettings, get_settings

log = logging.getLogger("server")

Loader = Callable[[ServerSettings], QAPipeline]


def _default_loader(settings: ServerSettings) -> QAPipeline:
    return QAPipeline.from_settings(settings, build_if_missing=True, progress=False)


def _load_in_background(app: FastAPI, loader: Loader) -> threading.Thread:
    state = app.state

    def run() -> None:
        try:
            state.pipeline = loader(state.settings)
            log.info("index loaded: %s", state.pipeline.info().to_dict())
        except Exception as exc:  # reported by /readyz and /api/*; the process keeps serving health checks
            state.load_error = str(exc) or type(exc).__name__
            log.error("could not load the index: %s", state.load_error)

    thread = threading.Thread(target=run, name="wenda-load", daemon=True)
    thread.start()
    return thread


def create_app(
    settings: ServerSettings | None = None,
    pipeline: QAPipeline | None = None,
    *,
    loader: Loader | None = None,
) -> FastAPI:
    """Build the app; load the pipeline at start-up unless `pipeline` is given (`loader` replaces
    `QAPipeline.from_settings`, for tests). Without `settings`, the process-wide ones (env and wenda.toml)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.pipeline is None and app.state.loader_thread is None:
            app.state.loader_thread = _load_in_background(app, loader or _default_loader)
        yield

    app = FastAPI(
        title="问答 wenda API",
        summary="Extractive, cited question answering over Chinese articles.",
        description=(
            "Ask questions (`/api/ask`), chat with follow-ups (`/api/chat`) and read the cited articles "
            "(`/api/documents`). Embed the chat widget with "
            '`<script src="http://HOST/widget.js" data-endpoint="http://HOST"></script>`.'
        ),
        version="1",
        lifespan=lifespan,
        docs_url=None if docs.swagger_dir() else "/docs",
        redoc_url=None,
    )
    state = app.state
    state.settings = settings
    state.pipeline = pipeline
    state.load_error = None
    state.loader_thread = None
    state.limiter = SlidingWindowLimiter(settings.rate_limit_per_minute)
    state.sessions = SessionStore[Conversation](
        lambda: Conversation(state.pipeline), max_sessions=settings.max_sessions, ttl_s=settings.session_ttl_s
    )

    errors.install(app)
    app.include_router(api_router)
    app.include_router(openai_router)
    app.include_router(public_router)
    docs.install(app)
    openapi.install(app, settings)

    # Added last = outermost: CORS headers also go on 413/401/429 answers.
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "X-API-Key", "Authorization"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    return app
