"""The question-answering pipeline: index + encoder + retriever + reader, loaded once; `ask` only composes them.

One question's path: `ask` (here) → `qa.retriever` (passages) → `qa.reader.question` (what is asked) → the reader
(`qa.reader.neural.reader`: the span, its score, the abstention decision, the citation offsets) → `qa.types` (the
frozen `Answer` and its located `Citation`)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from embeddings.backend import build_index, open_index
from embeddings.documents import Document
from embeddings.encoders import TextEncoder
from embeddings.store import BuildReport, LoadedIndex
from qa.errors import check_question
from qa.milvus_retriever import make_retriever
from qa.reader.evidence import EvidenceScorer
from qa.reader.factory import make_reader
from qa.reader.question import QuestionAnalysis, analyse
from qa.retriever import FusionWeights, Retriever
from qa.settings import BUILTIN_ENCODER, QASettings
from qa.synonyms import load_codes
from qa.types import Answer, Citation, IndexInfo, Passage, Reader, ReaderResult

log = logging.getLogger(__name__)

BUILTIN_DENSE_WEIGHT = 0.0
"""For the word-vector encoder, measured with the fusion sweep in the README: any dense weight lowered R@1, MRR
and F1 on both gold sets."""
MODEL_DENSE_WEIGHT = 1.0
"""Any transformer encoder (wenda-e5-small included): plain reciprocal-rank fusion."""
NOT_FOUND = "资料中没有找到答案：检索到的文章没有明确说明这一点。"


def not_found(result: ReaderResult | None) -> str:
    """Why there is no answer: the passage of the span the reader would give does not mention the year asked
    about, or the generic NOT_FOUND."""
    if result is not None and result.missing_years:
        years = "、".join(f"{year}年" for year in result.missing_years)
        return f"资料中没有找到答案：可能的答案所在的段落没有提到{years}，说的不一定是这一年的情况。"
    return NOT_FOUND


def _encoder(settings: QASettings) -> TextEncoder:
    """The configured encoder, falling back to the built-in one (with a warning) when it is not available offline."""
    from embeddings.encoders import load_encoder, resolve_encoder_spec

    spec, warning = resolve_encoder_spec(settings.embedding_model, settings.model_cache_dir, settings.encoder_backend)
    if warning:
        log.warning(warning)
    return load_encoder(spec, settings.model_cache_dir, settings.encoder_backend)


class QAPipeline:
    """Answers questions over one index. Thread-safe; build with `from_settings`."""

    def __init__(
        self,
        settings: QASettings,
        index: LoadedIndex,
        encoder: TextEncoder,
        *,
        retrieval_mode: str | None = None,
        reader: str | None = None,
        codes: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.encoder = encoder
        self.retrieval_mode = retrieval_mode or settings.retrieval_mode
        self.codes = codes if codes is not None else load_codes(settings.model_cache_dir)
        self.retriever: Retriever = make_retriever(index, encoder, settings.candidates)
        self.weights = FusionWeights(settings.rrf_k, settings.weight_bm25, self._dense_weight(settings, index))
        scorer = EvidenceScorer(self.idf, self.codes)
        self.reader: Reader = make_reader(reader or settings.reader, scorer, settings)
        self.reader_name = self.reader.name
        """The reader answering (the rules when the neural model is unusable: see `make_reader`)."""
        self.abstain_threshold = self.reader.abstain_threshold
        """The reader's decision thresholds (the settings' when set, else the reader's own: `make_reader`)."""
        self.evidence_threshold: float | None = self.reader.evidence_threshold

    # -- construction ---------------------------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings: QASettings, *, build_if_missing: bool = True, progress: bool = False) -> QAPipeline:
        """Load the index of settings.index_backend (building it from settings.corpus when missing) and models."""
        encoder = _encoder(settings)
        index = open_index(settings, encoder, build_if_missing=build_if_missing, progress=progress)
        return cls(settings, index, encoder)

    @staticmethod
    def build(
        settings: QASettings, paths: Sequence[Path] | None = None, *, progress: bool = True, rebuild: bool = False
    ) -> BuildReport:
        """(Re)index `paths` (default: settings.corpus) incrementally; only new or changed files are encoded."""
        return build_index(settings, paths, encoder_factory=lambda: _encoder(settings), rebuild=rebuild, progress=progress)

    def with_options(self, *, retrieval_mode: str | None = None, reader: str | None = None) -> QAPipeline:
        """A pipeline sharing this one's index and models with another retrieval mode or reader."""
        return QAPipeline(
            self.settings, self.index, self.encoder,
            retrieval_mode=retrieval_mode or self.retrieval_mode, reader=reader or self.reader_name, codes=self.codes,
        )

    @staticmethod
    def _dense_weight(settings: QASettings, index: LoadedIndex) -> float:
        """The configured dense weight, or the measured default for the index's encoder."""
        if settings.weight_dense is not None:
            return settings.weight_dense
        return BUILTIN_DENSE_WEIGHT if index.manifest["encoder"].get("name") == BUILTIN_ENCODER else MODEL_DENSE_WEIGHT

    def idf(self, term: str) -> float:
        """Inverse document frequency over chunks (`BM25Index.idf`)."""
        return self.index.bm25.idf(term)

    # -- queries --------------------------------------------------------------------------------------
    @property
    def documents(self) -> list[Document]:
        return self.index.documents

    def document(self, doc_id: str) -> Document | None:
        return self.index.doc_by_id.get(doc_id)

    def info(self) -> IndexInfo:
        """The index, models and policy this pipeline answers with."""
        manifest = self.index.manifest
        return IndexInfo(
            index_dir=str(self.settings.index_dir),
            version=self.index.path.name,
            built_at=manifest.get("created_at"),
            documents=len(self.index.documents),
            files=len(manifest.get("files", {})),
            chunks=len(self.index.chunks),
            encoder=manifest["encoder"]["name"],
            encoder_dimension=manifest["encoder"]["dimension"],
            index_type=manifest["dense"]["type"],
            retrieval=self.retrieval_mode,
            fusion=dataclasses.asdict(self.weights),
            reader=self.reader_name,
            abstain_threshold=self.abstain_threshold,
            evidence_threshold=self.evidence_threshold,
            corpus=manifest.get("corpus", []),
        )

    def retrieve(self, question: str, top_k: int) -> list[Passage]:
        """Ranked passages for a question (no reading)."""
        return self.retriever.search(question, top_k, self.retrieval_mode, self.weights, self.settings.max_passage_chars)

    def ask(
        self, question: str, *, top_k: int | None = None, query: str | None = None, passages: list[Passage] | None = None,
        reader_question: str | None = None,
    ) -> Answer:
        """Answer `question`; `query` (a follow-up expanded with earlier context) drives retrieval when given;
        `passages` skips retrieval and reads those (the evaluation's paragraph-given mode); `reader_question` (a
        follow-up rewritten as a standalone question) is what the reader reads instead of `question`, and is
        returned as `Answer.understood_as`."""
        started = time.perf_counter()
        question = check_question(question, self.settings.max_question_chars)
        search_text = query or question
        top_k = top_k or self.settings.top_k
        if passages is None:
            passages = self.retrieve(search_text, max(top_k, self.settings.read_k))
        analysis = self._analysis(reader_question or question, query)
        read = passages[: self.settings.read_k]
        result = self.reader.read(analysis, read, self.index.doc_by_id) if analysis.keywords else None
        return self._answer(question, result, passages[:top_k], search_text, reader_question, started)

    @staticmethod
    def _analysis(question: str, query: str | None) -> QuestionAnalysis:
        """What `question` asks, with the keywords of an expanded `query` added."""
        analysis = analyse(question)
        if query:
            extra = [k for k in analyse(query).keywords if k not in analysis.keywords]
            analysis = dataclasses.replace(analysis, keywords=analysis.keywords + extra)
        return analysis

    def _answer(
        self, question: str, result: ReaderResult | None, passages: list[Passage], query: str,
        reader_question: str | None, started: float,
    ) -> Answer:
        """The reader's decided span as an `Answer`: the text and its citation, or NOT_FOUND and the candidate."""
        span: str | None = None
        citations: list[Citation] = []
        if result is not None:
            doc = self.index.doc_by_id[result.passage.doc_id]
            span = result.text(doc)
            if not result.abstained:
                citations = [result.citation(doc)]
        answered = bool(citations)
        return Answer(
            question=question,
            text=span if answered else None,
            score=result.score if result is not None else 0.0,
            citations=citations,
            passages=passages,
            message=None if answered else not_found(result),
            encoder=self.index.manifest["encoder"]["name"], reader=self.reader_name, retrieval=self.retrieval_mode,
            query=query,
            understood_as=reader_question if reader_question and reader_question != question else None,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            candidate=None if answered else span,
        )
