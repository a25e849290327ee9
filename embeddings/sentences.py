"""Chinese-aware sentence splitting that keeps character offsets."""

from __future__ import annotations

import re

# A sentence ends at 。！？；… (runs of them), optionally followed by closing quotes/brackets, or at a line break.
_END = re.compile(r"(?:[。！？；!?;]+|…+)[”’」』）)》]*|\n+")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in `text[start:end]`, whitespace trimmed, none empty."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _END.finditer(text, start, end):
        cut = match.start() if match.group().startswith("\n") else match.end()
        spans.append((pos, cut))
        pos = match.end()
    spans.append((pos, end))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


_CLAUSE = re.compile(r"[，,、：:；;—]+")


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Offsets of the clauses (split at ，、：；—) inside one sentence span."""
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _CLAUSE.finditer(text, start, end):
        if match.start() > pos:
            spans.append((pos, match.start()))
        pos = match.end()
    if end > pos:
        spans.append((pos, end))
    return spans
