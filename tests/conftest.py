"""Shared fixtures: a session-wide model cache and a real index of the seed corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the built-in encoder is materialised once per test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def make_settings(model_cache_dir: Path):  # noqa: ANN201
    """Settings for an index in a temp folder over the given corpus."""
    from qa import Settings

    def make(index_dir: Path, corpus: list[Path] | None = None, **overrides: object) -> Settings:
        return Settings(index_dir=index_dir, corpus=corpus or [SEEDS], model_cache_dir=model_cache_dir, **overrides)

    return make


@pytest.fixture(scope="session")
def seed_pipeline(tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path):  # noqa: ANN201
    """A pipeline over a real index of the five seed articles, built once."""
    from qa import Settings
    from qa.pipeline import QAPipeline

    settings = Settings(index_dir=tmp_path_factory.mktemp("seed-index"), corpus=[SEEDS], model_cache_dir=model_cache_dir)
    return QAPipeline.from_settings(settings)


@pytest.fixture
def clean_settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder with no WENDA_* variables, so only what a test writes is read (the settings
    tests of every layer)."""
    monkeypatch.setenv("WENDA_CONFIG", "unset")  # `qa --config` sets it for the process: restored after each test
    for key in list(os.environ):
        if key.upper().startswith("WENDA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path
