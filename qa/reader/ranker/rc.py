"""Reading-comprehension harness: run any `Reader` with the gold paragraph as the only passage."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from embeddings.documents import Document
from embeddings.tokenize import tokenize
from qa.types import Passage


class ParagraphIdf:
    """IDF over a set of paragraphs, with the same formula as the pipeline's index (BM25 df over chunks)."""

    def __init__(self, texts: Iterable[str]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            n += 1
            df.update(set(tokenize(text)))
        self.n = max(n, 1)
        self.df = df

    def __call__(self, term: str) -> float:
        d = self.df.get(term)
        if d is None:
            return math.log1p((self.n + 0.5) / 0.5)
        return math.log1p((self.n - d + 0.5) / (d + 0.5))


def paragraph_passage(pid: str, title: str, text: str) -> tuple[Passage, dict[str, Document]]:
    """The whole paragraph as one retrieved passage (rank 0), and the documents map readers need."""
    doc = Document(doc_id=pid, source=pid, title=title, text=text)
    passage = Passage(doc_id=pid, source=pid, title=title, chunk_id=f"{pid}#0", start=0, end=len(text), text=text, score=1.0)
    return passage, {pid: doc}
