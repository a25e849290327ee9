"""The trained reader: artefact, exact-offset answers on a real passage, deterministic features, tree evaluation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from embeddings.documents import Document
from embeddings.normalize import normalize_text
from qa.reader.evidence import EvidenceScorer
from qa.reader.question import analyse
from qa.reader.ranker.features import FEATURE_NAMES, WordVectors, extract, question_context
from qa.reader.ranker.model import DEFAULT_DIR, Confidence, RankerModel, TreeEnsemble
from qa.types import Passage

# From seeds/000_7ad084b82bbd61de.txt (normalised like the index does).
PASSAGE = normalize_text(
    "公安部统计显示，截至目前，全国地方公安机关共设置公安派出所4万余个，配备民警57万余人，"
    "全国已设立社区警务室19.5万个，配备社区民警22.3万人。"
    "2021年起，公安部在全国部署开展“枫桥式公安派出所”创建活动，目前已评选命名三批共1000个“枫桥式公安派出所”。"
    "莲前派出所辖区面积18.4平方公里，实有人口约32万人，因为辖区内外来人口多、商业网点密集，警情一直居高不下。"
)


def _idf(term: str) -> float:
    return 1.0 + math.log1p(len(term))


@pytest.fixture(scope="module")
def vectors(model_cache_dir: Path) -> WordVectors:
    from embeddings.encoders import load_encoder

    return WordVectors(load_encoder("wenda-w2v-zh", model_cache_dir, backend="numpy"))


@pytest.fixture(scope="module")
def reader(vectors: WordVectors):  # noqa: ANN201
    from qa.reader.ranked import RankedReader

    return RankedReader(EvidenceScorer(_idf, {}), RankerModel.load(expected_features=FEATURE_NAMES), vectors)


def _docs() -> tuple[list[Passage], dict[str, Document]]:
    doc = Document(doc_id="d1", source="seed.txt", title="派出所", text=PASSAGE)
    passage = Passage("d1", "seed.txt", "派出所", "d1#0", 0, len(PASSAGE), PASSAGE, 1.0)
    return [passage], {"d1": doc}


def test_artefact_loads_with_manifest() -> None:
    model = RankerModel.load(expected_features=FEATURE_NAMES)
    manifest = json.loads((DEFAULT_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["features"] == FEATURE_NAMES
    assert manifest["training_data"]["seed_gold_set_used"] is False
    assert {"train", "validation", "method"} <= set(manifest["split"])
    val = manifest["validation"]["overall"]
    assert val["trained_f1"] >= val["rules_f1"] + 15 and val["trained_f1"] > 51.0
    assert 0.0 < model.threshold < 1.0 and model.threshold == manifest["calibration"]["threshold"]
    assert model.ensemble.n_trees == manifest["model"]["trees"] > 0
    assert sum(f.stat().st_size for f in DEFAULT_DIR.iterdir()) <= 20 * 1024 * 1024


def test_artefact_for_other_features_is_refused() -> None:
    from qa.reader.ranker.model import ArtefactError

    with pytest.raises(ArtefactError, match="other features"):
        RankerModel.load(expected_features=[*FEATURE_NAMES, "extra"])


EXAMPLES = [
    ("全国地方公安机关共设置公安派出所多少个？", "4万余个"),
    ("全国派出所配备了多少民警？", "57万余人"),
    ("莲前派出所辖区面积有多大？", "18.4平方公里"),
    ("莲前派出所为什么警情居高不下？", "辖区内外来人口多、商业网点密集"),
]


def test_reader_returns_exact_offsets(reader) -> None:  # noqa: ANN001
    """Every answer is an exact, trimmed slice of its sentence; a learned model may miss one example of four."""
    passages, docs = _docs()
    right = []
    for question, expected in EXAMPLES:
        result = reader.read(analyse(question), passages, docs)
        assert result is not None
        answer = PASSAGE[result.start : result.end]
        assert result.sentence_start <= result.start < result.end <= result.sentence_end
        assert answer == answer.strip() and answer in PASSAGE[result.sentence_start : result.sentence_end]
        assert 0.0 <= result.score <= 1.0 and result.evidence is not None
        right.append(expected in answer and len(answer) <= len(expected) + 6)
    assert sum(right) >= 3, right


def test_features_are_deterministic(vectors: WordVectors, model_cache_dir: Path) -> None:
    passages, docs = _docs()
    scorer = EvidenceScorer(_idf, {})
    analysis = analyse("公安部在全国部署开展了什么创建活动？")

    def run(vecs: WordVectors):  # noqa: ANN202
        qc = question_context(analysis, _idf, vecs)
        return extract(qc, scorer.score(analysis, passages, docs), docs, vecs)

    a = run(vectors)
    b = run(WordVectors(vectors.encoder))  # fresh caches
    assert a.X.shape == (len(a.starts), len(FEATURE_NAMES)) and len(a.starts) > 50
    assert a.X.dtype == np.float32 and np.isfinite(a.X).all()
    assert np.array_equal(a.starts, b.starts) and np.array_equal(a.ends, b.ends)
    assert np.array_equal(a.X, b.X)
    spans = {PASSAGE[s:e] for s, e in zip(a.starts, a.ends, strict=True)}
    assert "“枫桥式公安派出所”" in spans and "枫桥式公安派出所" in spans
    col = FEATURE_NAMES.index("k_quoted")
    quoted = [i for i, (s, e) in enumerate(zip(a.starts, a.ends, strict=True)) if PASSAGE[s:e] == "“枫桥式公安派出所”"]
    assert a.X[quoted[0], col] == 1.0


def test_tree_ensemble_matches_hand_evaluation() -> None:
    # tree 0: x0 <= 0.5 ? 1.0 : (x1 <= 2 ? 2.0 : 3.0); tree 1: a single leaf 0.25
    dump = {"tree_info": [
        {"tree_structure": {"split_feature": 0, "threshold": 0.5, "decision_type": "<=", "default_left": True,
                            "left_child": {"leaf_value": 1.0},
                            "right_child": {"split_feature": 1, "threshold": 2.0, "decision_type": "<=", "default_left": False,
                                            "left_child": {"leaf_value": 2.0}, "right_child": {"leaf_value": 3.0}}}},
        {"tree_structure": {"leaf_value": 0.25}},
    ]}
    ens = TreeEnsemble.from_lightgbm(dump)
    X = np.array([[0.0, 9.0], [1.0, 2.0], [1.0, 2.5], [np.nan, 0.0], [1.0, np.nan]], dtype=np.float32)
    assert ens.predict(X).tolist() == [1.25, 2.25, 3.25, 1.25, 3.25]
    assert ens.predict(X, slice(1, None)).tolist() == [0.25] * 5
    restored = TreeEnsemble.from_arrays(ens.arrays())
    assert restored.predict(X).tolist() == ens.predict(X).tolist()


def test_cascade_scores_the_shortlist_fully() -> None:
    model = RankerModel.load(expected_features=FEATURE_NAMES)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, len(FEATURE_NAMES))).astype(np.float32)
    full = model.ensemble.predict(X)
    assert np.allclose(model.ensemble.score(X, keep=300), full)
    cascaded = model.ensemble.score(X, keep=50, first=20)
    shortlist = np.argsort(-model.ensemble.predict(X, slice(0, 20)), kind="stable")[:50]
    assert np.allclose(cascaded[shortlist], full[shortlist])
    others = np.setdiff1d(np.arange(300), shortlist)
    assert cascaded[others].max() < cascaded[shortlist].min()


def test_confidence_is_a_probability() -> None:
    conf = Confidence.fit(np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [3.0, 1.0]]), np.array([0.0, 0.0, 1.0, 1.0]))
    low, high = conf(np.array([0.0, 1.0])), conf(np.array([3.0, 1.0]))
    assert 0.0 < low < 0.5 < high < 1.0
