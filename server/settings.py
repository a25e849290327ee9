"""The server's settings: what `qa serve` and the HTTP API add to qa's (host, port, proxies, CORS, API key,
rate limit, sessions, request size). Registered under the `wenda.settings` entry points, so `qa` and
`wenda.toml` know these keys without `qa` importing `server` (see `embeddings.settings`)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from qa.settings import QASettings


class ServerSettings(QASettings):
    """qa's settings and the HTTP server's."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port of `qa serve` (0 = any free port).")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed "
        "(the rate limit then keys on the forwarded client). Empty: forwarded headers are ignored.",
    )
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    api_key: str | None = None
    rate_limit_per_minute: int = Field(default=120, ge=0, description="0 disables the limit.")
    session_ttl_s: int = 1800
    max_sessions: int = 1000
    max_body_bytes: int = 16_384


@lru_cache(maxsize=1)
def get_settings() -> ServerSettings:
    """The process-wide settings, read once: what `create_app()` without settings (`uvicorn --factory
    server.app:create_app`) runs with."""
    return ServerSettings.load()
