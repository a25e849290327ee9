"""`qa bench`: the synthetic corpus generator and a miniature benchmark run.

Fast: a real `NumpyWordEncoder` with a small random vocabulary stands in for the built-in model (no model build),
the synthetic corpus has 400 chunks and every method answers 12 questions.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.bench.baselines import Bm25sIndex, RebuildBM25, numpy_exact_search
from eval.bench.corpus import (
    composed_tokens,
    composed_vectors,
    generate,
    load_source_text,
    unit_features,
    verify_composition,
)

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="module")
def source():  # noqa: ANN201
    return load_source_text(SEEDS, None)


@pytest.fixture(scope="module")
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


def test_generator_is_deterministic(source) -> None:  # noqa: ANN001
    a, b, other = generate(source, 300, seed=11), generate(source, 300, seed=11), generate(source, 300, seed=12)
    assert a.n_chunks == 300
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != other.fingerprint()
    assert list(a.texts()) == list(b.texts())
    assert list(a.texts()) != list(other.texts())
    docs, chunks = a.documents_and_chunks()
    by_id = {d.doc_id: d for d in docs}
    assert len(chunks) == 300 and len(docs) == a.n_docs
    assert all(by_id[c.doc_id].text[c.start : c.end] == c.text for c in chunks)
    lengths = np.array([len(t) for t in a.texts()])
    assert 150 < np.median(lengths) <= 300  # sentences packed to about chunk_size characters
    assert set(a.chunk_sents.tolist()) <= set(range(len(source.sentences)))


def test_composition_equals_real_tokenizer_and_encoder(source, tiny_encoder) -> None:  # noqa: ANN001
    corpus = generate(source, 200, seed=3)
    units = unit_features(source, tiny_encoder)
    assert units.composable
    tokens = composed_tokens(corpus, units)
    vectors = composed_vectors(corpus, units)
    check = verify_composition(corpus, units, tokens, vectors, tiny_encoder, sample=60)
    assert check["sample"] == 60
    assert check["tokens_identical"] == 60
    assert check["vector_max_abs_diff"] < 1e-5


def test_baselines_agree_with_the_indexes(source, tiny_encoder) -> None:  # noqa: ANN001
    from embeddings.bm25 import BM25Index
    from embeddings.tokenize import tokenize
    from embeddings.vector_index import DenseIndexSpec, build_dense, search_dense

    corpus = generate(source, 150, seed=5)
    units = unit_features(source, tiny_encoder)
    tokens, vectors = composed_tokens(corpus, units), composed_vectors(corpus, units)
    bm25, rebuild, library = BM25Index.build(tokens), RebuildBM25(tokens), Bm25sIndex(tokens)
    flat = build_dense(vectors, DenseIndexSpec("flat", {}))
    for question in ("正阳派出所建所多少年了？", "全国地方公安机关共设置了多少个公安派出所？"):
        q = tokenize(question)
        fast, slow, other = bm25.search(q, 10), rebuild.search(q, 10), library.search(q, 10)
        assert fast and [round(s, 4) for _, s in fast] == [round(s, 4) for _, s in slow] == [round(s, 4) for _, s in other]
        vec = tiny_encoder.encode([question])[0]
        exact, faiss_hits = numpy_exact_search(vectors, vec, 10), search_dense(flat, vec, 10)
        assert [i for i, _ in exact] == [i for i, _ in faiss_hits]


def test_bm25_search_is_thread_safe(source, tiny_encoder) -> None:  # noqa: ANN001
    """BM25Index.search reuses a per-thread score buffer: concurrent queries must not see each other's scores."""
    from concurrent.futures import ThreadPoolExecutor

    from embeddings.bm25 import BM25Index
    from embeddings.tokenize import tokenize

    corpus = generate(source, 400, seed=9)
    bm25 = BM25Index.build(composed_tokens(corpus, unit_features(source, tiny_encoder)))
    questions = [tokenize(s[:20]) for s in source.sentences[:40]]
    expected = [bm25.search(q, 20) for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            assert list(pool.map(lambda q: bm25.search(q, 20), questions)) == expected
    assert not bm25._buffer().any()  # the buffer is left clean


def test_mini_bench_writes_json_and_png(tmp_path: Path, tiny_encoder) -> None:  # noqa: ANN001
    from eval.bench.report import console_summary
    from eval.bench.run import BenchConfig, run_bench
    from qa import Settings

    settings = Settings(index_dir=tmp_path / "unused", corpus=[SEEDS], model_cache_dir=tmp_path / "models")
    cfg = BenchConfig(
        corpora=["seed", "400"],
        out_dir=tmp_path / "bench",
        queries=12,
        seeds_dir=SEEDS,
        cmrc_path=tmp_path / "no-cmrc.json",
        real_max=0,
        throughput_sample=40,
        rebuild_budget_s=2.0,
        isolate=False,
        progress=False,
    )
    report = run_bench(cfg, settings, encoder=tiny_encoder, codes={})

    saved = json.loads((cfg.out_dir / "bench.json").read_text(encoding="utf-8"))
    png = (cfg.out_dir / "bench.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert [c["name"] for c in saved["corpora"]] == ["seed", "400"]
    assert not [c for c in saved["corpora"] if "error" in c]
    for corpus in saved["corpora"]:
        for kind in ("hnsw", "ivf"):
            assert 0.0 <= corpus["recall"][kind]["recall@10"] <= 1.0
            assert all(0.0 <= row["recall@10"] <= 1.0 for row in corpus["sweep"][kind])
        assert corpus["checks"]["flat_equals_numpy"] == 1.0
        assert corpus["checks"]["bm25_equals_rebuild"] == 1.0
        assert corpus["checks"]["bm25_equals_bm25s"] == 1.0 and corpus["bm25s"]["build_s"] > 0
        for method in ("numpy_exact", "flat", "hnsw", "ivf", "bm25", "bm25s", "retrieve", "retrieve_dense", "answer"):
            lat = corpus["latency"][method]
            assert lat["n"] == 12, method
            assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"], method
        assert corpus["latency"]["bm25_rebuild"]["n"] >= 1
        assert corpus["disk"]["total_bytes"] > 0 and corpus["memory"]["load_s"] >= 0
    synthetic = saved["corpora"][1]
    assert synthetic["chunks"] == 400
    assert synthetic["build"]["encode"]["method"] == "extrapolated"
    assert synthetic["build"]["composition_check"]["tokens_identical"] == synthetic["build"]["composition_check"]["sample"]
    targets = {t["target"]: t for t in saved["targets"]}
    assert len(targets) == 4  # 1M, seed retrieval p50, seed answer p95, 10k rebuild (no cold start in this run)
    assert targets["seed corpus: retrieval p50 <= 20 ms"]["met"] in (True, False)
    assert targets["seed corpus: qa ask end to end p95 <= 300 ms (models loaded)"]["met"] in (True, False)
    text = console_summary(report)
    assert "Targets" in text and "seed" in text and "400" in text and "bm25s" in text
