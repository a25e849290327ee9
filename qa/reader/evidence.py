"""Score sentences of retrieved passages against the question's keywords."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from embeddings.documents import Document
from embeddings.sentences import sentence_spans
from embeddings.tokenize import words
from qa.reader.question import QuestionAnalysis
from qa.synonyms import relatedness
from qa.types import Passage

CONTEXT_DISCOUNT = 0.5
NEXT_DISCOUNT = 0.4
ARTICLE_DISCOUNT = 0.3


@dataclass
class Evidence:
    """One sentence with how well it covers the question."""

    passage: Passage
    rank: int
    start: int
    end: int
    coverage: float
    matches: list[tuple[int, int, float]] = field(default_factory=list)
    """(start, end, keyword weight) of keyword occurrences inside the sentence."""
    missing_figures: int = 0
    """Question keywords with digits (years, counts) found neither in the sentence nor its neighbours."""


def _occurrences(text: str, start: int, end: int, keyword: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.compile(re.escape(keyword)).finditer(text, start, end)]


class EvidenceScorer:
    """Keyword coverage of sentences, IDF-weighted, with thesaurus matches and context from the title."""

    def __init__(self, idf: Callable[[str], float], codes: dict[str, str]) -> None:
        self.idf = idf
        self.codes = codes

    def _match(self, text: str, start: int, end: int, keyword: str, tokens: list[tuple[int, int, str]]) -> tuple[float, list[tuple[int, int]]]:
        spans = _occurrences(text, start, end, keyword)
        if spans:
            return 1.0, spans
        best, where = 0.0, []
        for s, e, token in tokens:
            r = relatedness(keyword, token, self.codes)
            if r > best:
                best, where = r, [(s, e)]
            elif r == best and r > 0:
                where.append((s, e))
        return best, where

    def score(
        self, question: QuestionAnalysis, passages: Sequence[Passage], documents: Mapping[str, Document]
    ) -> list[Evidence]:
        """Every sentence of every passage, best first."""
        keywords = question.keywords
        weights = [self.idf(k) for k in keywords]
        total = sum(weights) or 1.0
        figures = [any(c.isdigit() for c in k) for k in keywords]
        out: list[Evidence] = []
        for rank, passage in enumerate(passages):
            doc = documents[passage.doc_id]
            in_article = [keyword in doc.text and not any(c.isdigit() for c in keyword) for keyword in keywords]
            in_title = [keyword in passage.title for keyword in keywords]
            rows: list[tuple[int, int, list[float], list[tuple[int, int, float]]]] = []
            for s, e in sentence_spans(doc.text, passage.start, passage.end):
                tokens, pos = [], s
                for w in words(doc.text[s:e]):
                    tokens.append((pos, pos + len(w), w))
                    pos += len(w)
                hits: list[float] = []
                matches: list[tuple[int, int, float]] = []
                for keyword, weight in zip(keywords, weights, strict=True):
                    m, where = self._match(doc.text, s, e, keyword, tokens)
                    hits.append(m)
                    matches.extend((a, b, weight * m) for a, b in where)
                rows.append((s, e, hits, matches))
            for i, (s, e, hits, matches) in enumerate(rows):
                previous = rows[i - 1][2] if i > 0 else [0.0] * len(keywords)
                following = rows[i + 1][2] if i + 1 < len(rows) else [0.0] * len(keywords)
                gained = 0.0
                missing = 0
                for k, weight in enumerate(weights):
                    if figures[k] and max(hits[k], previous[k], following[k]) == 0:
                        missing += 1
                    # Figures and years must be stated near the answer; article-wide mentions do not count.
                    context = max(
                        CONTEXT_DISCOUNT * max(previous[k], 1.0 if in_title[k] else 0.0),
                        NEXT_DISCOUNT * following[k],
                        ARTICLE_DISCOUNT if in_article[k] else 0.0,
                    )
                    gained += weight * max(hits[k], context)
                out.append(Evidence(passage, rank, s, e, gained / total, matches, missing))
        out.sort(key=lambda ev: (-(ev.coverage + 0.01 / (1 + ev.rank)), ev.rank, ev.start))
        return out
