"""A soft preference for the previous answer's article: its passages move up the ranking, others stay in it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from qa.types import Passage

PREFERENCE = 0.25
"""Added to a preferred passage's fused score, in units of one first-place vote (1 / (rrf_k + 1)): enough to
reorder close passages, too little to lift a passage that neither retriever ranked near the top."""


def prefer(passages: Sequence[Passage], doc_ids: Sequence[str], rrf_k: int, weight: float = PREFERENCE) -> list[Passage]:
    """`passages` re-ranked with `weight / (rrf_k + 1)` added to the score of those from `doc_ids` (never a
    filter: every passage is kept)."""
    if not doc_ids or weight <= 0:
        return list(passages)
    bonus = weight / (rrf_k + 1)
    wanted = set(doc_ids)
    boosted = [
        dataclasses.replace(p, score=round(p.score + bonus, 6)) if p.doc_id in wanted else p for p in passages
    ]
    order = sorted(range(len(boosted)), key=lambda i: (-boosted[i].score, i))
    return [boosted[i] for i in order]
