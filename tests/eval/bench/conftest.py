"""Fixtures of the benchmark tests: the seed sentence pool and a real `NumpyWordEncoder` over a small random
vocabulary standing in for the built-in model (no model build), shared by the whole session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def source():  # noqa: ANN201
    from eval.bench.corpus import load_source_text

    return load_source_text(SEEDS, None)


@pytest.fixture(scope="session")
def tiny_encoder(source):  # noqa: ANN001, ANN201
    """The project's NumPy word-vector encoder over a small vocabulary of seed words with random 16-d vectors."""
    from embeddings.encoders.fast import NumpyWordEncoder
    from embeddings.encoders.loader import EncoderInfo
    from embeddings.encoders.wordpiece import DEFAULT_CONFIG
    from embeddings.tokenize import words

    vocab = ["<pad>", *sorted({w for s in source.sentences[:400] for w in words(s) if w.strip()})]
    embeddings = np.random.default_rng(0).standard_normal((len(vocab), 16)).astype(np.float32)
    embeddings[0] = 0
    info = EncoderInfo(name="bench-test-w2v", resolved="memory", dimension=16, normalize=True, builtin=True, backend="numpy")
    return NumpyWordEncoder(vocab, embeddings, np.ones(len(vocab), dtype=np.float32), DEFAULT_CONFIG, info)


@pytest.fixture(scope="module")
def bench(tmp_path_factory, tiny_encoder):  # noqa: ANN001, ANN201
    """(cfg, settings, shared) of a small in-process run over the seed corpus and 300 synthetic chunks."""
    from eval.bench.context import BenchConfig, prepare
    from qa import Settings

    tmp = tmp_path_factory.mktemp("bench")
    settings = Settings(index_dir=tmp / "unused", corpus=[SEEDS], model_cache_dir=tmp / "models")
    cfg = BenchConfig(
        corpora=["seed", "300"], out_dir=tmp / "out", queries=8, seeds_dir=SEEDS, cmrc_path=tmp / "no-cmrc.json",
        real_max=0, throughput_sample=40, rebuild_budget_s=1.0, isolate=False, progress=False,
    )
    return cfg, settings, prepare(cfg, settings, tiny_encoder, codes={})
