"""Synonym paraphrases of reading-comprehension questions (Cilin thesaurus): a validation measure of how much the
ranker relies on the question copying the passage's words, and optional extra training data (`--paraphrase`).

Reading-comprehension questions (CMRC, DRCD) mostly reuse the paragraph's wording; users rarely do. A
paraphrased copy replaces about half of the question's keywords that have a Cilin synonym (same full code) by
one of those synonyms, chosen by a stable hash, so the same data always gives the same copies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping

from qa.reader.ranker.data import stable_hash

MIN_COSINE = 0.5
POS_REPLACED = frozenset({"v", "vd", "vn", "a", "ad", "d"})


def synonym_groups(codes: Mapping[str, str]) -> dict[str, list[str]]:
    """Cilin code -> its words (two characters or more), sorted; only codes with at least two words."""
    groups: dict[str, list[str]] = defaultdict(list)
    for word, code in codes.items():
        if len(word) > 1:
            groups[code].append(word)
    return {code: sorted(ws) for code, ws in groups.items() if len(ws) > 1}


def paraphrase(question: str, keywords: list[str], codes: Mapping[str, str], groups: Mapping[str, list[str]],
               cosine: Callable[[str, str], float], salt: str = "") -> str | None:
    """`question` with some keywords replaced by Cilin synonyms; None when none was replaced."""
    from qa.reader.ranker.candidates import posseg

    keep = set(keywords)
    out: list[str] = []
    changed = False
    for token, flag in posseg(question):
        options: list[str] = []
        if token in keep and flag in POS_REPLACED and stable_hash(f"{salt}:{token}:replace") % 2 == 0:
            options = [w for w in groups.get(codes.get(token, ""), []) if w != token and cosine(token, w) >= MIN_COSINE]
        if options:
            out.append(options[stable_hash(f"{salt}:{token}:choice") % len(options)])
            changed = True
        else:
            out.append(token)
    return "".join(out) if changed else None
