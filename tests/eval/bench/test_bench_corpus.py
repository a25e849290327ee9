"""eval.bench.corpus: the synthetic corpus generator and featurisation by exact composition."""

from __future__ import annotations

import numpy as np

from eval.bench.corpus import composed_tokens, composed_vectors, generate, unit_features, verify_composition


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
