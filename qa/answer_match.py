"""CMRC 2018-style answer comparison: normalisation, exact match and character F1.

NFKC, lower case, whitespace and punctuation dropped; F1 counts Chinese characters one by one and each run of
ASCII letters/digits as one token (so "2021" vs "2022" scores 0, as in the CMRC evaluation script). Shared by
the evaluation runner and the reader's trainer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_KEEP_SYMBOLS = set("%‰°℃℉$¥€£+")
_ASCII_RUN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?|.", re.DOTALL)


def normalize_answer(text: str) -> str:
    """NFKC, lower case, and drop whitespace and punctuation (Chinese and ASCII)."""
    text = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        cat = unicodedata.category(ch)
        if ch in _KEEP_SYMBOLS:
            out.append(ch)
        elif ch == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            out.append(ch)  # decimal point
        elif cat[0] in "PS" or cat[0] == "C":
            continue
        else:
            out.append(ch)
    return "".join(out)


def answer_tokens(text: str) -> list[str]:
    """Tokens of a normalised answer: single characters, except ASCII words/numbers stay whole."""
    return _ASCII_RUN.findall(normalize_answer(text))


def exact_match(prediction: str | None, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer."""
    if prediction is None or not golds:
        return 0.0
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(g) for g in golds))


def _f1(pred: list[str], gold: list[str]) -> float:
    if not pred or not gold:
        return float(pred == gold)
    counts: dict[str, int] = {}
    for tok in gold:
        counts[tok] = counts.get(tok, 0) + 1
    common = 0
    for tok in pred:
        if counts.get(tok, 0) > 0:
            counts[tok] -= 1
            common += 1
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def f1_score(prediction: str | None, golds: Sequence[str]) -> float:
    """Token F1 (see module doc), the best over the gold answers."""
    if prediction is None or not golds:
        return 0.0
    pred = answer_tokens(prediction)
    return max(_f1(pred, answer_tokens(g)) for g in golds)
