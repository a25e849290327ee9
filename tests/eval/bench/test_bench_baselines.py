"""eval.bench.baselines: NumPy exact search, BM25 rebuilt per query and bm25s agree with the project's indexes."""

from __future__ import annotations

from eval.bench.baselines import Bm25sIndex, RebuildBM25, numpy_exact_search
from eval.bench.corpus import composed_tokens, composed_vectors, generate, unit_features


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
