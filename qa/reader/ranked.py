"""The trained extractive reader: candidate spans from the best evidence sentences, ranked by a learned model.

Candidates are word n-grams inside clauses, clause runs, whole sentences, quoted names and the rule extractors'
typed spans (numbers, dates, durations) plus POS-tagged names, in the 4 sentences with the best keyword
coverage (`EvidenceScorer`). Each gets the features in `qa.reader.ranker.features` and a score from the
boosted trees in `qa/reader/models/ranker-v1` (trained by `python -m qa.reader.ranker.train`). The result's
`score` is the learned confidence that the answer is right (F1 >= 0.5), a probability; `abstain_threshold`
is the threshold calibrated on validation data (in the artefact's manifest).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.documents import Document
from qa.reader.base import ReaderResult
from qa.reader.evidence import EvidenceScorer
from qa.reader.question import QuestionAnalysis
from qa.reader.ranker.features import (
    FEATURE_NAMES,
    Candidates,
    RuleHint,
    WordVectors,
    extract,
    question_context,
)
from qa.reader.ranker.model import Confidence, RankerModel, rule_reader_fingerprint
from qa.types import Passage

log = logging.getLogger(__name__)
_SHARED: dict[str, Any] = {}
_SHARED_LOCK = threading.Lock()


def load_model(directory: Path | None = None) -> RankerModel:
    """The ranker artefact in `directory` (default: the shipped one), loaded once per process and directory."""
    key = f"model:{Path(directory).resolve() if directory is not None else ''}"
    with _SHARED_LOCK:
        if key not in _SHARED:
            model = RankerModel.load(directory, expected_features=FEATURE_NAMES)
            trained_on = model.manifest.get("rule_reader_fingerprint")
            if trained_on and trained_on != rule_reader_fingerprint():
                log.info("the rule reader changed since the ranker was trained; retraining may help: "
                         "python -m qa.reader.ranker.train")
            _SHARED[key] = model
        return _SHARED[key]


def _default_vectors(cache_dir: Path | None) -> WordVectors:
    """Word vectors of the built-in encoder (loaded once per process, whatever encoder the index uses)."""
    with _SHARED_LOCK:
        if "vectors" not in _SHARED:
            from embeddings.encoders import load_encoder
            from embeddings.settings import BUILTIN_ENCODER, get_settings

            directory = cache_dir if cache_dir is not None else get_settings().model_cache_dir
            encoder = load_encoder(BUILTIN_ENCODER, directory)  # shared with the pipeline's when it is the built-in one
            if not hasattr(encoder, "word2idx"):
                encoder = load_encoder(BUILTIN_ENCODER, directory, backend="numpy")
            _SHARED["vectors"] = WordVectors(encoder)
        return _SHARED["vectors"]


class _OnceScorer:
    """The evidence scorer, computing one question's evidence once for both the rule reader and the ranker."""

    def __init__(self, scorer: EvidenceScorer) -> None:
        self.scorer = scorer
        self.idf = scorer.idf
        self.codes = scorer.codes
        self._key: tuple[int, int] | None = None
        self._value: Any = None

    def score(self, question: QuestionAnalysis, passages: list[Passage], documents: dict[str, Document]) -> Any:
        key = (id(question), id(passages))
        if key != self._key:
            self._key, self._value = key, self.scorer.score(question, passages, documents)
        return self._value


def rule_hint(scorer: Any, question: QuestionAnalysis, passages: list[Passage], documents: dict[str, Document]) -> RuleHint | None:
    """The rule reader's answer on the same passages (a feature of the ranker)."""
    from qa.reader.rules import RuleReader

    result = RuleReader(scorer).read(question, passages, documents)
    if result is None:
        return None
    return RuleHint(result.passage.doc_id, result.start, result.end, result.sentence_start, result.sentence_end,
                    float(result.score))


@dataclass
class Ranking:
    """Every candidate of one question with its score, best first available through `best`."""

    candidates: Candidates
    scores: np.ndarray
    rule: RuleHint | None = None

    @property
    def best(self) -> int:
        return int(np.argmax(self.scores))


class RankedReader:
    """Reader protocol implementation backed by the trained ranker artefact."""

    name = "trained"

    def __init__(
        self,
        scorer: EvidenceScorer,
        model: RankerModel | None = None,
        vectors: WordVectors | None = None,
        *,
        encoder: Any = None,
        cache_dir: Path | None = None,
    ) -> None:
        """`encoder`: an already loaded built-in `NumpyWordEncoder` to take word vectors from (saves loading it twice)."""
        self.scorer = scorer
        self.model = model if model is not None else load_model()
        if vectors is None and encoder is not None and hasattr(encoder, "word2idx") and hasattr(encoder, "embeddings"):
            vectors = WordVectors(encoder)
        self.vectors = vectors if vectors is not None else _default_vectors(cache_dir)
        self._index = {name: i for i, name in enumerate(self.model.feature_names)}

    @property
    def abstain_threshold(self) -> float:
        """The confidence below which to abstain, calibrated on held-out validation data."""
        return self.model.threshold

    @property
    def evidence_threshold(self) -> float | None:
        """The evidence gate of the no-answer policy calibrated on validation data (None when it did not help)."""
        return self.model.evidence_gate

    def rank(self, question: QuestionAnalysis, passages: list[Passage], documents: dict[str, Document]) -> Ranking | None:
        scorer = _OnceScorer(self.scorer)
        evidence = scorer.score(question, passages, documents)
        if not evidence:
            return None
        hint = rule_hint(scorer, question, passages, documents)
        qc = question_context(question, self.scorer.idf, self.vectors)
        cands = extract(qc, evidence, documents, self.vectors, rule=hint)
        if len(cands.starts) == 0:
            return None
        return Ranking(cands, self.model.ensemble.score(cands.X), hint)

    def confidence(self, ranking: Ranking) -> float:
        best = ranking.best
        return self.model.confidence(Confidence.inputs(ranking.scores, ranking.candidates.X[best], self._index))

    def read(self, question: QuestionAnalysis, passages: list[Passage], documents: dict[str, Document]) -> ReaderResult | None:
        ranking = self.rank(question, passages, documents)
        if ranking is None:
            return None
        c = ranking.candidates
        best = ranking.best
        _doc, s_start, s_end, passage = c.sentences[int(c.sentence[best])]
        return ReaderResult(
            passage,  # type: ignore[arg-type]
            int(c.starts[best]), int(c.ends[best]), int(s_start), int(s_end), round(self.confidence(ranking), 4),
            evidence=ranking.rule.score if ranking.rule is not None else 0.0,
        )
