"""Where characters of the normalised text stand in the original file.

Normalisation drops characters (spaces between CJK, zero-width and control characters, emphasis marks,
extraction line breaks) and changes some (NFKC, half-width punctuation made full-width, straight quotes made
curly). `align` maps each normalised character back to the source character it came from by walking both
texts with a fold that undoes those changes; `SourceMap` stores the result compactly as runs and answers
"where is normalised span [start, end) in the file" as character offsets, line and column.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Sequence
from typing import Any

WINDOW = 64
"""How far ahead in the source a normalised character is looked for (deletions are short and local)."""
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})


def fold(ch: str) -> str:
    """`ch` as comparable text: NFKC, whitespace as one space, curly quotes straight."""
    if ch == "\r":
        return "\n"
    if ch != "\n" and ch.isspace():
        return " "
    return unicodedata.normalize("NFKC", ch).translate(_QUOTES)


def align(source: str, normalised: str) -> list[int]:
    """For each character of `normalised`, the index in `source` it came from, or -1 when none is found."""
    folded = [fold(c) for c in source]
    out: list[int] = []
    p = 0
    pending = ""  # the rest of a source character that NFKC expanded (㎡ -> m2)
    pending_at = -1
    for ch in normalised:
        target = fold(ch)
        if pending and pending.startswith(target):
            out.append(pending_at)
            pending = pending[len(target) :]
            continue
        pending = ""
        found = -1
        for j in range(p, min(len(source), p + WINDOW)):
            if folded[j] == target:
                found = j
                break
            if len(folded[j]) > len(target) and folded[j].startswith(target):
                found, pending, pending_at = j, folded[j][len(target) :], j
                break
        out.append(found)
        if found >= 0:
            p = found + 1
    return out


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts += [i + 1 for i, c in enumerate(text) if c == "\n"]
    return starts


class SourceMap:
    """Normalised offset -> (source offset, line, column), stored as runs `[norm_start, source_start, length]`
    over which both advance together, and the start offsets of the source lines the runs touch (`lines`,
    beginning with line number `line0`). JSON-ready through `to_json`."""

    def __init__(self, runs: Sequence[Sequence[int]], lines: Sequence[int], line0: int = 1) -> None:
        self.runs = [list(map(int, r)) for r in runs]
        self.lines = list(map(int, lines))
        self.line0 = int(line0)
        self._starts = [r[0] for r in self.runs]

    @classmethod
    def build(cls, source: str, mapping: Sequence[int]) -> SourceMap:
        """From `align(source, normalised)` (or any per-character source index list; -1 = unknown)."""
        runs: list[list[int]] = []
        for i, j in enumerate(mapping):
            if j < 0:
                continue
            last = runs[-1] if runs else None
            if last and last[0] + last[2] == i and last[1] + last[2] == j:
                last[2] += 1
            else:
                runs.append([i, j, 1])
        return cls(runs, _line_starts(source))

    def to_json(self) -> dict[str, Any]:
        return {"runs": self.runs, "lines": self.lines, "line0": self.line0}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceMap:
        return cls(data["runs"], data["lines"], data.get("line0", 1))

    def shifted(self, start: int, end: int) -> SourceMap:
        """The map of the normalised slice [start, end) (a section of the file), offsets relative to `start`;
        only the line starts it needs are kept."""
        runs = []
        for n, s, length in self.runs:
            lo, hi = max(n, start), min(n + length, end)
            if lo < hi:
                runs.append([lo - start, s + (lo - n), hi - lo])
        if not runs:
            return SourceMap([], [], 1)
        first = bisect.bisect_right(self.lines, runs[0][1]) - 1
        last = bisect.bisect_right(self.lines, runs[-1][1] + runs[-1][2])
        return SourceMap(runs, self.lines[first:last], self.line0 + first)

    def source_offset(self, i: int) -> int | None:
        """The source index of normalised character `i`, or None when it has none."""
        k = bisect.bisect_right(self._starts, i) - 1
        if k < 0:
            return None
        n, s, length = self.runs[k]
        return s + (i - n) if i < n + length else None

    def locate(self, start: int, end: int) -> tuple[int, int, int, int] | None:
        """(file_start, file_end, line, column) of normalised span [start, end): line and column 1-based, of
        its first character; the nearest mapped characters inside the span stand in for unmapped ends."""
        first = next((o for o in (self.source_offset(i) for i in range(start, end)) if o is not None), None)
        last = next((o for o in (self.source_offset(i) for i in range(end - 1, start - 1, -1)) if o is not None), None)
        if first is None or last is None or last < first or not self.lines:
            return None
        k = bisect.bisect_right(self.lines, first) - 1
        if k < 0:
            return None
        return first, last + 1, self.line0 + k, first - self.lines[k] + 1
