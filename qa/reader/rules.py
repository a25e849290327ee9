"""Rule-based extractive reader: best sentence by keyword coverage, then a span of the type asked for."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from embeddings.documents import Document
from embeddings.sentences import clause_spans
from qa.reader.evidence import Evidence, EvidenceScorer
from qa.reader.question import QuestionAnalysis
from qa.reader.spans import EXTRACTORS, Span, headed
from qa.types import Passage, ReaderResult, abstains

SENTENCES_CONSIDERED = 8
MISSING_FIGURE_FACTOR = 0.6
"""A year or count named in the question but absent around the sentence makes it unlikely to answer."""
_STRICT = {"number", "date", "duration", "person", "place", "organization"}
"""Question types whose answer must be a span of that kind; the others fall back to a clause."""
_KIND_PRIOR = {("place", "place"): 0.2, ("entity", "quote"): -0.1}
_REASON = re.compile(r"(?:因为|由于|原因是|是因为|因(?![此而公素为])|受)([^，。；！？]{2,40}?)(?:影响|所致|导致|的原因)?(?=[，。；！？]|$)")
_PURPOSE = re.compile(r"(?:为了|为)([^，。；！？]{2,40})")
_DEFINITION = re.compile(r"(?:是指|指的是|即|就是|是)([^。；！？]{2,60})")


_UNIT_GROUPS = [set("人名位") | {"人次", "余人", "多人"}, set("个所家座处间"), set("起件次"), set("元") | {"万元", "亿元"}, set("年"), set("天日")]
_MEASURE_HINTS = [
    (re.compile(r"面积|多大"), ("平方公里", "平方米", "亩", "公顷")),
    (re.compile(r"人口|人数|多少人"), ("人",)),
    (re.compile(r"距离|长度|多长|多远|里程"), ("公里", "千米", "米")),
    (re.compile(r"金额|费用|多少钱|损失|资金"), ("元",)),
    (re.compile(r"多高|身高|海拔"), ("米",)),
]
_PERCENT_HINT = re.compile(r"增长|上升|下降|提高|降低|涨|降|比例|占比|百分|率")


def _covered(span: Span, matches: list[tuple[int, int, float]]) -> float:
    """Share of the span's characters that repeat question keywords."""
    covered = sum(max(0, min(e, span.end) - max(s, span.start)) for s, e, _ in matches)
    return covered / max(span.end - span.start, 1)


def _proximity(span: Span, matches: list[tuple[int, int, float]], clauses: list[tuple[int, int]]) -> float:
    """Keyword weight near the span, decaying with distance; keywords in another clause count half."""
    def clause_of(pos: int) -> int:
        return next((k for k, (s, e) in enumerate(clauses) if s <= pos < e), -1)

    home = clause_of(span.start)
    score = 0.0
    for s, e, weight in matches:
        gap = s - span.end if s >= span.end else span.start - e if e <= span.start else 0
        factor = 1.0 if clause_of(s) == home else 0.5
        score += factor * weight / (1.0 + max(gap, 0) / 6.0)
    return score


def _unit_group(unit: str) -> set[str]:
    return next((g for g in _UNIT_GROUPS if unit in g), {unit})


def _type_fit(text: str, question: QuestionAnalysis) -> float:
    """Bonus or penalty for how well a candidate's form fits the question (unit, %, year, head noun)."""
    fit = 0.0
    if question.head and text.rstrip("”》」』").endswith(question.head):
        fit += 0.6
    if question.qtype == "date" and "年" in question.text and "年" in text:
        fit += 0.3
    if question.qtype in ("number", "duration"):
        if _PERCENT_HINT.search(question.text) and not question.unit:
            fit += 0.5 if text.endswith("%") else -0.3
        for hint, units in _MEASURE_HINTS:
            if hint.search(question.text):
                fit += 0.5 if any(u in text for u in units) else 0.0
        if question.unit:
            group = _unit_group(question.unit)
            if any(text.endswith(u) or u in text for u in group):
                fit += 0.5
            elif re.search(r"[^\d.%万亿千百多余]$", text):
                fit -= 0.4
    return fit


def _is_article_numeral(text: str) -> bool:
    """一个 / 一支 / 一场: a counting article, not a quantity."""
    return bool(re.fullmatch(r"一[^\d一二三四五六七八九十百千万亿两]{1,2}", text))


RULES_ABSTAIN_THRESHOLD = 0.3
"""Below this score the rule readers abstain (the most accurate threshold on the seed gold set, 0.309: README)."""


class RuleReader:
    """Extracts numbers, dates, names, places, organisations and quoted names; clauses for the rest."""

    name = "rules"

    def __init__(
        self, scorer: EvidenceScorer, abstain_threshold: float = RULES_ABSTAIN_THRESHOLD,
        evidence_threshold: float | None = None,
    ) -> None:
        self.scorer = scorer
        self.abstain_threshold = abstain_threshold
        self.evidence_threshold = evidence_threshold
        """Never gates: the rule readers report no separate evidence (their score is the evidence)."""

    def _result(self, passage: Passage, start: int, end: int, sentence: tuple[int, int], score: float) -> ReaderResult:
        return ReaderResult(
            passage, start, end, *sentence, score,
            abstained=abstains(score, None, self.abstain_threshold, self.evidence_threshold),
        )

    def read(
        self, question: QuestionAnalysis, passages: Sequence[Passage], documents: Mapping[str, Document]
    ) -> ReaderResult | None:
        evidence = self.scorer.score(question, passages, documents)
        if not evidence:
            return None
        total_weight = sum(self.scorer.idf(k) for k in question.keywords) or 1.0
        best: tuple[float, Evidence, tuple[int, int]] | None = None
        for ev in evidence[:SENTENCES_CONSIDERED]:
            text = documents[ev.passage.doc_id].text
            span, fit = self._span(question, ev, text, total_weight)
            if span is None:
                if question.qtype in _STRICT:
                    continue  # a sentence without a number cannot answer "多少"
                span, fit = self._clause(ev, text), 0.0
            total = (0.6 * ev.coverage + 0.4 * fit) * MISSING_FIGURE_FACTOR**ev.missing_figures
            if best is None or total > best[0]:
                best = (total, ev, span)
        if best is None:
            ev = evidence[0]
            text = documents[ev.passage.doc_id].text
            best = (0.6 * ev.coverage, ev, self._clause(ev, text))
        total, ev, (start, end) = best
        score = max(0.0, min(1.0, total))
        return self._result(ev.passage, start, end, (ev.start, ev.end), round(score, 4))

    def _best_candidate(
        self, question: QuestionAnalysis, candidates: list[Span], ev: Evidence, text: str, total_weight: float
    ) -> tuple[tuple[int, int], float]:
        clauses = clause_spans(text, ev.start, ev.end)
        longest_first = question.qtype in ("organization", "list")
        scored = []
        for c in candidates:
            value = text[c.start : c.end]
            raw = _proximity(c, ev.matches, clauses) / total_weight + _type_fit(value, question) + _KIND_PRIOR.get((question.qtype, c.kind), 0.0)
            scored.append((raw, (c.end - c.start) if longest_first else -(c.end - c.start), c))
        fit, _, chosen = max(scored, key=lambda item: (item[0], item[1]))
        return (chosen.start, chosen.end), max(0.0, math.tanh(fit))

    def _span(self, question: QuestionAnalysis, ev: Evidence, text: str, total_weight: float) -> tuple[tuple[int, int] | None, float]:
        """The best span of the kind asked for in this sentence and how well it fits, or (None, 0)."""
        qtype = question.qtype
        if qtype == "reason":
            for pattern, fit in ((_REASON, 0.6), (_PURPOSE, 0.3)):
                m = pattern.search(text, ev.start, ev.end)
                if m:
                    return (m.start(1), m.end(1)), fit
            return None, 0.0
        if qtype == "definition":
            m = _DEFINITION.search(text, ev.start, ev.end)
            if m and any(e <= m.start() for _, e, _ in ev.matches):
                return (m.start(1), m.end(1)), 0.3
            return None, 0.0
        if qtype == "list":
            runs = [Span(s, e, "list") for s, e in self._list_runs(text, ev.start, ev.end)]
            runs = [r for r in runs if _covered(r, ev.matches) < 0.5]
            return self._best_candidate(question, runs, ev, text, total_weight) if runs else (None, 0.0)
        candidates = self._candidates(question, text, ev)
        if not candidates:
            return None, 0.0
        return self._best_candidate(question, candidates, ev, text, total_weight)

    @staticmethod
    def _candidates(question: QuestionAnalysis, text: str, ev: Evidence) -> list[Span]:
        """Typed spans in the sentence that add something to the question."""
        qtype = question.qtype
        kinds = {
            "duration": ["duration", "number"],
            "place": ["place", "organization"],
            "organization": ["organization"],
            "entity": ["quote"],
        }.get(qtype, [qtype] if qtype in EXTRACTORS else [])
        if question.head:
            kinds = [*kinds, "quote"]
        candidates = [c for kind in dict.fromkeys(kinds) for c in EXTRACTORS[kind](text, ev.start, ev.end)]
        if question.head:
            candidates += headed(text, ev.start, ev.end, question.head)
        out = []
        for c in candidates:
            value = text[c.start : c.end]
            if value in question.text or _covered(c, ev.matches) >= 0.7:
                continue
            if c.kind == "number" and _is_article_numeral(value):
                continue
            out.append(c)
        return out

    @staticmethod
    def _list_runs(text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Runs of items joined by 、 (走访群众、维护治安、化解矛盾)."""
        runs = []
        for m in re.finditer(r"[^，。；：！？、“”]{1,16}(?:、[^，。；：！？、“”]{1,16})+", text[start:end]):
            runs.append((start + m.start(), start + m.end()))
        return runs

    @staticmethod
    def _clause(ev: Evidence, text: str) -> tuple[int, int]:
        """The clause holding most keyword weight that also says something the question did not."""
        clauses = clause_spans(text, ev.start, ev.end) or [(ev.start, ev.end)]
        best, best_score = clauses[0], -1.0
        for k, (s, e) in enumerate(clauses):
            inside = sum(w for a, b, w in ev.matches if s <= a and b <= e)
            covered = sum(min(b, e) - max(a, s) for a, b, _ in ev.matches if a < e and s < b)
            novel = (e - s) - covered
            if novel < 2:
                # A clause that only repeats the question points at its neighbour.
                if k + 1 < len(clauses):
                    ns, ne = clauses[k + 1]
                    score = inside + 0.01
                    if score > best_score:
                        best, best_score = (ns, ne), score
                continue
            score = inside + 0.1 * min(novel, 20) / 20
            if score > best_score:
                best, best_score = (s, e), score
        return best


class SentenceReader(RuleReader):
    """Baseline: the whole best sentence is the answer."""

    name = "sentence"

    def read(
        self, question: QuestionAnalysis, passages: Sequence[Passage], documents: Mapping[str, Document]
    ) -> ReaderResult | None:
        evidence = self.scorer.score(question, passages, documents)
        if not evidence:
            return None
        ev = evidence[0]
        return self._result(ev.passage, ev.start, ev.end, (ev.start, ev.end), round(min(1.0, ev.coverage), 4))
