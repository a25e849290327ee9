"""Split a normalised file into titled sections at markdown headings and obvious title lines.

Sections are slices of the normalised file text, so offsets inside a section are offsets into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})\s*(.+?)\s*#*\s*$")
_BYLINE = re.compile(r"^(本报记者|本报通讯员|记者|通讯员|□)\s*\S{1,12}(\s+\S{1,12}){0,3}$")
_MIN_SECTION_CHARS = 120
_TITLE_MAX_CHARS = 60


@dataclass(frozen=True)
class Section:
    """A titled slice `[start, end)` of the normalised file text."""

    title: str
    start: int
    end: int


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _is_title_line(line: str) -> bool:
    if not 0 < len(line) <= _TITLE_MAX_CHARS or "：" in line or "。" in line or line[0].isdigit():
        return False
    return line[-1] not in "！？；，”" or (line[-1] == "”" and "“" in line)


def _boundaries(text: str) -> list[tuple[int, str]]:
    """(line index, title) where a new section starts."""
    lines = [text[s:e] for s, e in _lines(text)]
    starts: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading:
            starts.append((i, heading.group(2)))
            continue
        if _BYLINE.match(line):
            # Title lines: up to three short non-sentence lines right above the byline.
            j, title_lines = i - 1, []
            while j >= 0 and len(title_lines) < 3:
                if not lines[j].strip():
                    j -= 1
                    continue
                if _HEADING.match(lines[j]):
                    title_lines = []
                    break
                if not _is_title_line(lines[j]) or _BYLINE.match(lines[j]):
                    break
                title_lines.insert(0, lines[j])
                j -= 1
            if title_lines:
                first = i - 1
                while first >= 0 and lines[first] != title_lines[0]:
                    first -= 1
                starts.append((first, " ".join(t.strip("—- ") for t in title_lines)))
    return starts


def split_sections(text: str, fallback_title: str) -> list[Section]:
    """Titled sections covering the whole text; tiny or body-less sections merge into a neighbour."""
    spans = _lines(text)
    starts = _boundaries(text)
    if not starts or starts[0][0] != 0:
        first_line = next((text[s:e] for s, e in spans if text[s:e].strip()), "")
        title = first_line.lstrip("# ").strip() if _is_title_line(first_line) else fallback_title
        starts.insert(0, (0, title or fallback_title))
    # Consecutive headings with no body between them form one section with a combined title.
    merged: list[tuple[int, str]] = []
    for line_no, title in starts:
        if merged:
            prev_line, prev_title = merged[-1]
            body = text[spans[prev_line][1] : spans[line_no][0]].strip()
            if not body or all(_HEADING.match(text[s:e]) for s, e in spans[prev_line:line_no] if text[s:e].strip()):
                merged[-1] = (prev_line, f"{prev_title} {title}" if prev_line != line_no else title)
                continue
        merged.append((line_no, title))

    sections: list[Section] = []
    for k, (line_no, title) in enumerate(merged):
        start = spans[line_no][0]
        end = spans[merged[k + 1][0]][0] if k + 1 < len(merged) else len(text)
        while end > start and text[end - 1].isspace():
            end -= 1
        if sections and end - start < _MIN_SECTION_CHARS:
            prev = sections[-1]
            sections[-1] = Section(prev.title, prev.start, end)
            continue
        sections.append(Section(title.strip() or fallback_title, start, end))
    # A short first section (a preamble) merges forward.
    if len(sections) > 1 and sections[0].end - sections[0].start < _MIN_SECTION_CHARS:
        first, second = sections[0], sections[1]
        sections[:2] = [Section(first.title, first.start, second.end)]
    return [s for s in sections if text[s.start : s.end].strip()]
