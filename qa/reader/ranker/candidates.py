"""Candidate answer spans inside a sentence: word n-grams within clauses, clause runs, typed and quoted spans."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

MAX_NGRAM_CHARS = 24
"""Longest word n-gram inside one clause (longer answers come from clause runs)."""
MAX_CLAUSE_RUN = 4

_HARD_BREAK = set("，,；;：:。！？!?…")
_PUNCT = set("，,；;：:。！？!?…、“”‘’《》「」『』（）()【】〈〉—·-\"' \t\n")
_OPEN = "“‘《「『（(【〈"
_CLOSE = "”’》」』）)】〉"
_PAIRS = dict(zip(_OPEN, _CLOSE, strict=True))
_END_PUNCT = set("。！？!?；;…")

_LOCK = threading.Lock()
_CACHE: OrderedDict[str, list[tuple[str, str]]] = OrderedDict()
_CACHE_SIZE = 4096


def _posseg_lock() -> threading.Lock:
    try:  # share the rule reader's lock: jieba.posseg is not thread-safe
        from qa.reader import spans

        return getattr(spans, "_POSSEG_LOCK", _LOCK)
    except ImportError:  # pragma: no cover
        return _LOCK


def posseg(text: str) -> list[tuple[str, str]]:
    """jieba (word, POS flag) pairs of a sentence, cached (sentences repeat across questions of a paragraph)."""
    with _LOCK:
        hit = _CACHE.get(text)
        if hit is not None:
            _CACHE.move_to_end(text)
            return hit
    import jieba.posseg as pseg

    from embeddings.tokenize import words

    words("")  # jieba initialised quietly
    with _posseg_lock():
        out = [(p.word, p.flag) for p in pseg.lcut(text)]
    with _LOCK:
        _CACHE[text] = out
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return out


@dataclass
class Token:
    start: int
    end: int
    word: str
    flag: str
    punct: bool


def tokens_of(text: str, start: int, end: int) -> list[Token]:
    """POS-tagged tokens of `text[start:end]` with absolute offsets."""
    out, pos = [], start
    for w, f in posseg(text[start:end]):
        out.append(Token(pos, pos + len(w), w, f, all(ch in _PUNCT for ch in w)))
        pos += len(w)
    return out


def _balanced(s: str) -> bool:
    stack = []
    for ch in s:
        if ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif ch in _CLOSE and (not stack or stack.pop() != ch):
            return False
    return not stack


# Candidate origins (bit flags; a span found several ways carries all of them).
NGRAM, CLAUSE, RUN, SENTENCE, TYPED, QUOTE, RULE = 1, 2, 4, 8, 16, 32, 64
ORIGINS = {"ngram": NGRAM, "clause": CLAUSE, "run": RUN, "sentence": SENTENCE, "typed": TYPED, "quote": QUOTE, "rule": RULE}
_QUOTE = re.compile(r"“([^“”]{1,40})”|《([^《》]{1,40})》|「([^「」]{1,40})」|『([^『』]{1,40})』|（([^（）]{1,40})）")


def clause_bounds(text: str, tokens: list[Token]) -> list[tuple[int, int, int, int]]:
    """Clauses as (first token index, last token index + 1, char start, char end), split at hard breaks."""
    clauses, first = [], None
    for i, t in enumerate(tokens):
        hard = t.punct and any(ch in _HARD_BREAK for ch in t.word)
        if hard:
            if first is not None:
                clauses.append((first, i))
            first = None
        elif first is None:
            first = i
    if first is not None:
        clauses.append((first, len(tokens)))
    return [(a, b, tokens[a].start, tokens[b - 1].end) for a, b in clauses]


def generate(
    text: str, start: int, end: int, tokens: list[Token], typed: list[tuple[int, int, str]] | None = None,
    rule: tuple[int, int] | None = None,
) -> dict[tuple[int, int], int]:
    """(start, end) -> origin flags of every candidate span in the sentence `text[start:end]`; `rule` is the rule
    reader's answer when it lies in this sentence."""
    out: dict[tuple[int, int], int] = {}

    def add(s: int, e: int, flag: int) -> None:
        while s < e and (text[s].isspace() or text[s] == "#"):  # Markdown heading marks are not answer text
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out[(s, e)] = out.get((s, e), 0) | flag

    clauses = clause_bounds(text, tokens)
    for a, b, cs, ce in clauses:
        for i in range(a, b):
            ti = tokens[i]
            if ti.punct and ti.word[0] not in _OPEN:
                continue
            for j in range(i, b):
                tj = tokens[j]
                if tj.end - ti.start > MAX_NGRAM_CHARS:
                    break
                if tj.punct and tj.word[-1] not in _CLOSE:
                    continue
                span = text[ti.start : tj.end]
                if not _balanced(span):
                    continue
                add(ti.start, tj.end, NGRAM)
        add(cs, ce, CLAUSE)
    for x in range(len(clauses)):
        for y in range(x + 1, min(len(clauses), x + MAX_CLAUSE_RUN)):
            s, e = clauses[x][2], clauses[y][3]
            if _balanced(text[s:e]):
                add(s, e, RUN)
    # The whole sentence, with and without its final punctuation.
    add(start, end, SENTENCE)
    e = end
    while e > start and text[e - 1] in _END_PUNCT:
        e -= 1
    add(start, e, SENTENCE)
    for m in _QUOTE.finditer(text, start, end):
        add(m.start(), m.end(), QUOTE)
        g = next(k for k in range(1, 6) if m.group(k) is not None)
        add(m.start(g), m.end(g), QUOTE)
    for s, e, _kind in typed or []:
        if start <= s < e <= end:
            add(s, e, TYPED)
    if rule is not None and start <= rule[0] < rule[1] <= end:
        out[rule] = out.get(rule, 0) | RULE
    return out


def as_arrays(cands: dict[tuple[int, int], int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keys = sorted(cands)
    starts = np.fromiter((k[0] for k in keys), dtype=np.int32, count=len(keys))
    ends = np.fromiter((k[1] for k in keys), dtype=np.int32, count=len(keys))
    flags = np.fromiter((cands[k] for k in keys), dtype=np.int32, count=len(keys))
    return starts, ends, flags
