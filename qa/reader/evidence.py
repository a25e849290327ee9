"""Score sentences of retrieved passages against the question's keywords."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from embeddings.documents import Document
from embeddings.sentences import sentence_spans
from embeddings.tokenize import words
from qa.reader.question import QuestionAnalysis
from qa.synonyms import relatedness
from qa.types import Passage

CONTEXT_DISCOUNT = 0.5
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

    def score(self, question: QuestionAnalysis, passages: list[Passage], documents: dict[str, Document]) -> list[Evidence]:
        """Every sentence of every passage, best first."""
        keywords = question.keywords
        weights = [self.idf(k) for k in keywords]
        total = sum(weights) or 1.0
        out: list[Evidence] = []
        for rank, passage in enumerate(passages):
            doc = documents[passage.doc_id]
            title = passage.title
            sentences = sentence_spans(doc.text, passage.start, passage.end)
            previous_hits = [0.0] * len(keywords)
            for s, e in sentences:
                tokens, pos = [], s
                for w in words(doc.text[s:e]):
                    tokens.append((pos, pos + len(w), w))
                    pos += len(w)
                gained = 0.0
                matches: list[tuple[int, int, float]] = []
                hits = []
                for k, (keyword, weight) in enumerate(zip(keywords, weights, strict=True)):
                    m, where = self._match(doc.text, s, e, keyword, tokens)
                    # Figures and years must be stated near the answer; article-wide mentions do not count.
                    article = ARTICLE_DISCOUNT if keyword in doc.text and not any(c.isdigit() for c in keyword) else 0.0
                    context = max(CONTEXT_DISCOUNT * max(previous_hits[k], 1.0 if keyword in title else 0.0), article)
                    gained += weight * max(m, context)
                    matches.extend((a, b, weight * m) for a, b in where)
                    hits.append(m)
                previous_hits = hits
                out.append(Evidence(passage, rank, s, e, gained / total, matches))
        out.sort(key=lambda ev: (-(ev.coverage + 0.01 / (1 + ev.rank)), ev.rank, ev.start))
        return out
