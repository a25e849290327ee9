"""Run every gold question through the real pipeline (`pipe.ask`, as `qa ask` does) for each system."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from eval.gold import GoldError, GoldItem, half_of, load_gold
from eval.metrics import (
    breakdown,
    compute_metrics,
    coverage_curve,
    first_hit_rank,
    same_document,
)
from eval.results import ItemResult, Report, SystemResult
from qa.answer_match import exact_match, f1_score
from qa.settings import QASettings

if TYPE_CHECKING:
    from qa import Document
    from qa.pipeline import QAPipeline
    from qa.types import Answer, Citation, Passage

log = logging.getLogger(__name__)

SYSTEMS: dict[str, tuple[str, str]] = {
    "hybrid+neural": ("hybrid", "neural"),
    "hybrid+rules": ("hybrid", "rules"),
    "bm25+neural": ("bm25", "neural"),
    "dense+neural": ("dense", "neural"),
    "hybrid+sentence": ("hybrid", "sentence"),
}
"""System name -> (retrieval_mode, reader). The first is the product."""
PRODUCT = "hybrid+neural"
WORST_N = 20
PASSAGE_CHARS = 300
"""Characters of the cited passage kept per item result (around the citation)."""


def check_gold(items: Sequence[GoldItem], documents: Sequence[Document]) -> list[str]:
    """Warnings for gold records whose source, doc_id or evidence is not in the indexed documents."""
    by_source: dict[str, list[Document]] = {}
    for doc in documents:
        by_source.setdefault(Path(doc.source).name, []).append(doc)
        by_source.setdefault(doc.source, []).append(doc)
    warnings: list[str] = []
    for item in items:
        if not item.answerable:
            continue
        if item.doc_id is not None:
            docs = [d for d in documents if same_document(item, d.doc_id, d.source)]
            what = f"doc_id {item.doc_id!r}"
        elif item.source is not None:
            docs = by_source.get(item.source, [])
            what = f"source {item.source!r}"
        else:
            docs, what = list(documents), "the corpus"
        if not docs:
            warnings.append(f"{item.id}: {what} is not in the index")
        elif item.evidence is not None and not any(item.evidence in d.text for d in docs):
            warnings.append(f"{item.id}: evidence not found in {what}")
    return warnings


def _excerpt(text: str, at: int, limit: int = PASSAGE_CHARS) -> str:
    """At most `limit` characters of `text` around offset `at` (marked with … where cut)."""
    if len(text) <= limit:
        return text
    start = min(max(0, at - limit // 3), len(text) - limit)
    return ("…" if start else "") + text[start : start + limit] + ("…" if start + limit < len(text) else "")


def _cited(
    citation: Citation | None, passages: Sequence[Passage]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The report's record of the citation and of the passage shown with it (the cited one, else the first)."""
    cited = None
    passage = passages[0] if passages else None
    if citation is not None:
        cited = {
            "doc_id": citation.doc_id,
            "source": citation.source,
            "start": citation.start,
            "end": citation.end,
            "quote": citation.quote,
        }
        passage = next((p for p in passages if p.chunk_id == citation.chunk_id), passage)
    if passage is None:
        return cited, None
    excerpt = _excerpt(passage.text, citation.start - passage.start if citation is not None else 0)
    return cited, {"doc_id": passage.doc_id, "source": passage.source, "chunk_id": passage.chunk_id, "text": excerpt}


def _score_item(item: GoldItem, answer: Answer | None, latency_ms: float, error: str | None) -> ItemResult:
    predicted = answer.text if answer is not None else None
    citation = answer.citations[0] if answer is not None and answer.citations and predicted is not None else None
    passages = answer.passages if answer is not None else []
    if item.answerable:
        em, f1 = exact_match(predicted, item.answers), f1_score(predicted, item.answers)
        hit_rank = first_hit_rank(passages, item, k=10)
        source_ok = False
        if citation is not None:
            same = same_document(item, citation.doc_id, citation.source)
            quote_ok = item.evidence is not None and predicted is not None and predicted in item.evidence
            source_ok = same is True or (same is None and quote_ok)
    else:
        em = f1 = float(predicted is None)
        hit_rank, source_ok = None, None
    cited, passage = _cited(citation, passages)
    candidate = answer.candidate if answer is not None and predicted is None else None
    candidate_f1 = f1_score(candidate, item.answers) if candidate is not None and item.answerable else 0.0
    return ItemResult(
        candidate=candidate,
        candidate_f1=candidate_f1,
        id=item.id,
        question=item.question,
        type=item.type,
        style=item.style,
        answers=list(item.answers),
        source=item.source,
        doc_id=item.doc_id,
        evidence=item.evidence,
        predicted=predicted,
        score=float(answer.score) if answer is not None else 0.0,
        em=em,
        f1=f1,
        hit_rank=hit_rank,
        source_ok=source_ok,
        latency_ms=latency_ms,
        message=answer.message if answer is not None else None,
        error=error,
        cited=cited,
        passage=passage,
        retrieved=[p.doc_id for p in passages],
    )


def gold_passage(pipe: QAPipeline, item: GoldItem) -> list[Passage] | None:
    """The item's own document as the only passage (paragraph-given reading), or None when it is not indexed."""
    from qa.types import Passage

    doc = next((d for d in pipe.documents if same_document(item, d.doc_id, d.source)), None) if item.doc_id else None
    if doc is None:
        return None
    return [Passage(doc.doc_id, doc.source, doc.title, f"{doc.doc_id}#given", 0, len(doc.text), doc.text, 1.0)]


def evaluate_system(
    pipe: QAPipeline, name: str, items: Sequence[GoldItem], top_k: int, progress: bool = True, *, given: bool = False
) -> SystemResult:
    """Ask every question through `pipe.with_options(...)` for one named system; `given` reads each question's
    own paragraph instead of retrieving (SQuAD-style sets, where every item names its paragraph)."""
    retrieval, reader = SYSTEMS[name]
    system = pipe.with_options(retrieval_mode=retrieval, reader=reader)
    started = time.perf_counter()
    results: list[ItemResult] = []
    for item in tqdm(items, desc=f"{name:<16}", unit="q", disable=not progress, leave=True):
        answer: Answer | None = None
        error: str | None = None
        t0 = time.perf_counter()
        try:
            passages = gold_passage(pipe, item) if given else None
            if given and passages is None:
                raise GoldError(f"{item.id}: its paragraph {item.doc_id!r} is not in the index")
            answer = system.ask(item.question, top_k=top_k, passages=passages)
        except Exception as exc:  # one failing question must not lose the run; it is reported
            error = f"{type(exc).__name__}: {exc}"
            log.warning("%s %s: %s", name, item.id, error)
        latency_ms = (time.perf_counter() - t0) * 1000
        results.append(_score_item(item, answer, latency_ms, error))
    return SystemResult(
        name=name,
        retrieval=retrieval,
        reader=reader,
        overall=compute_metrics(results),
        by_type=breakdown(results, lambda r: r.type),
        by_style=breakdown(results, lambda r: r.style),
        curve=coverage_curve(results),
        items=results,
        seconds=time.perf_counter() - started,
    )


def worst_misses(results: Sequence[ItemResult], n: int = WORST_N) -> list[ItemResult]:
    """The `n` worst outcomes: wrong answers (confident ones first), then false abstentions."""

    def badness(r: ItemResult) -> float:
        return 1.0 - r.f1

    misses = [r for r in results if badness(r) > 0]
    misses.sort(key=lambda r: (-badness(r), r.abstained, -r.score, r.id))
    return misses[:n]


def _threshold_of(pipe: QAPipeline, system: str) -> float | None:
    """The abstention threshold the named system answers with."""
    retrieval, reader = SYSTEMS[system]
    return getattr(pipe.with_options(retrieval_mode=retrieval, reader=reader), "abstain_threshold", None)


def load_pipeline(settings: QASettings, *, build: bool = True, progress: bool = True) -> QAPipeline:
    """Build (incrementally) the index of `settings.corpus` and load it."""
    from qa.pipeline import QAPipeline

    if build:
        QAPipeline.build(settings, progress=progress)
    return QAPipeline.from_settings(settings, build_if_missing=True, progress=progress)


def _gold_items(gold_path: Path | str, limit: int | None, half: str | None, given: bool) -> list[GoldItem]:
    """The gold items evaluated: the first `limit`, of one `half`; with `given`, only those with a paragraph."""
    items = load_gold(gold_path, limit=limit)
    if half is not None:
        items = [item for item in items if half_of(item.id) == half]
    if given:  # paragraph-given reading needs a paragraph: items without one (unanswerable) are left out
        unbound = sum(1 for item in items if item.doc_id is None)
        items = [item for item in items if item.doc_id is not None]
        if unbound:
            log.info("paragraph given: %d questions without a paragraph left out", unbound)
    return items


def run_eval(
    gold_path: Path | str,
    settings: QASettings | None,
    top_k: int = 10,
    out_dir: Path | str | None = None,
    progress: bool = True,
    *,
    systems: Sequence[str] | None = None,
    limit: int | None = None,
    pipe: QAPipeline | None = None,
    given: bool = False,
    half: str | None = None,
) -> Report:
    """Evaluate `systems` (default: all four) on a gold file; writes the reports when `out_dir` is set.

    The index of `settings.corpus` is built or updated in `settings.index_dir` unless `pipe` (a loaded
    pipeline; then `settings` may be None) is given.
    Questions are asked with `top_k=max(10, top_k)` so recall@10 is measurable.
    """
    wanted = list(systems) if systems else list(SYSTEMS)
    unknown = [s for s in wanted if s not in SYSTEMS]
    if unknown:
        raise GoldError(f"unknown system {unknown[0]!r} (choose from {', '.join(SYSTEMS)})")
    names = [s for s in SYSTEMS if s in wanted]  # the product first
    started = time.perf_counter()
    items = _gold_items(gold_path, limit, half, given)
    if pipe is None:
        if settings is None:
            raise ValueError("run_eval needs settings or a pipeline")
        pipe = load_pipeline(settings, progress=progress)
    warnings = check_gold(items, pipe.documents)
    for w in warnings[:10]:
        log.warning("gold: %s", w)
    k = max(10, top_k)
    with contextlib.suppress(Exception):  # one untimed question: one-time lazy loading stays out of latency
        pipe.ask(items[0].question, top_k=k)
    results = [evaluate_system(pipe, name, items, k, progress, given=given) for name in names]
    product = results[0]
    info = pipe.info().to_dict()
    report = Report(
        gold=str(gold_path),
        questions=len(items),
        top_k=k,
        index=info,
        abstain_threshold=_threshold_of(pipe, names[0]),
        systems=results,
        worst=worst_misses(product.items),
        gold_warnings=warnings,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=time.perf_counter() - started,
    )
    if out_dir is not None:
        from eval.report import write_reports

        write_reports(report, Path(out_dir))
    return report
