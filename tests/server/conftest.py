"""Fixtures for the server tests: a tiny real index and app clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_testkit import write_corpus


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path) -> Any:
    """Settings over the tiny corpus, rate limit off, no API key."""
    from qa import Settings

    root = tmp_path_factory.mktemp("server-tiny")
    corpus = write_corpus(root / "corpus")
    return Settings(
        index_dir=root / "idx",
        corpus=[corpus],
        model_cache_dir=model_cache_dir,
        rate_limit_per_minute=0,
        api_key=None,
        cors_origins=["*"],
    )


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_settings: Any) -> Any:
    """A real pipeline over an index of the tiny corpus, built once per session."""
    from qa.pipeline import QAPipeline

    QAPipeline.build(tiny_settings, progress=False)
    return QAPipeline.from_settings(tiny_settings, build_if_missing=False)


@pytest.fixture
def make_client(tiny_settings: Any, tiny_pipeline: Any) -> Iterator[Callable[..., TestClient]]:
    """Build a TestClient for an app over the tiny pipeline with some settings overridden."""
    from server.app import create_app

    clients: list[TestClient] = []

    def make(*, pipeline: Any = None, raise_server_exceptions: bool = True, **overrides: Any) -> TestClient:
        settings = tiny_settings.with_overrides(**overrides)
        app = create_app(settings, pipeline if pipeline is not None else tiny_pipeline)
        client = TestClient(app, raise_server_exceptions=raise_server_exceptions)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the app over the tiny index with default limits."""
    return make_client()
