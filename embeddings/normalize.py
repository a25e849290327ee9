"""Text normalisation for Chinese articles.

The normalised text is what the index stores, cites and shows; every offset refers to it.
"""

from __future__ import annotations

import re
import unicodedata

# Full-width punctuation that NFKC would turn into ASCII; Chinese text keeps it.
_KEEP_FULLWIDTH = set("，：；！？（）")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CJK_PUNCT = set("，。、；：？！“”‘’《》（）【】「」『』〈〉…—·")
_BODY_PUNCT = set("，。；、！？")
_NO_START = set("，。、；：？！”’》）】」』…")
_SENTENCE_END = set("。！？…”」』")
_HEADING = re.compile(r"^#{1,6}\s")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph (unified, extension A, compatibility)."""
    cp = ord(ch)
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x2FA1F


def is_tight(ch: str) -> bool:
    """Characters that take no spaces around them in Chinese typesetting."""
    return is_cjk(ch) or ch in _CJK_PUNCT


def _nfkc_safe(text: str) -> str:
    out: list[str] = []
    run: list[str] = []
    for ch in text:
        if ch in _KEEP_FULLWIDTH or ch == "…" or ch == "—":
            if run:
                out.append(unicodedata.normalize("NFKC", "".join(run)))
                run = []
            out.append(ch)
        else:
            run.append(ch)
    if run:
        out.append(unicodedata.normalize("NFKC", "".join(run)))
    return "".join(out)


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] in " \t":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def _fullwidth_punct(line: str) -> str:
    chars = list(line)
    for i, ch in enumerate(chars):
        if ch in _HALF_TO_FULL:
            left, right = _neighbour(line, i, -1), _neighbour(line, i, 1)
            if ch in ",:" and left.isdigit() and right.isdigit():
                continue
            if (left and is_tight(left)) or (right and is_tight(right)):
                chars[i] = _HALF_TO_FULL[ch]
    return "".join(chars)


def _pair_quotes(text: str) -> str:
    out, opening = [], True
    for ch in text:
        if ch == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append(ch)
    return "".join(out)


def _curly_quotes(paragraph: str) -> str:
    """Straight double quotes to “ ” where they pair up: in the paragraph, else sentence by sentence."""
    if '"' not in paragraph or not any(is_cjk(c) for c in paragraph):
        return paragraph
    if paragraph.count('"') % 2 == 0:
        return _pair_quotes(paragraph)
    parts = re.split(r"(?<=[。！？])", paragraph)
    return "".join(_pair_quotes(p) if p.count('"') % 2 == 0 else p for p in parts)


def _drop_spaces(line: str) -> str:
    def keep(match: re.Match[str]) -> str:
        start, end = match.span()
        left = line[start - 1] if start else ""
        right = line[end] if end < len(line) else ""
        if not left or not right:
            return ""
        if (is_tight(left) and not right.isascii()) or (is_tight(right) and not left.isascii()):
            return ""
        if (is_tight(left) and (right.isdigit() or right in "%“")) or (is_tight(right) and (left.isdigit() or left in "%”")):
            return ""
        return " "

    return re.sub(r"[ \t\u3000\u00a0]+", keep, line)


def _normalise_line(line: str) -> str:
    line = _EMPHASIS.sub(r"\2", line)
    line = _fullwidth_punct(line)
    return _drop_spaces(line).strip()


def _continues(prev: str, nxt: str, prev_line: str) -> bool:
    """Whether `nxt` continues `prev` (ending with the source line `prev_line`) across an extraction break."""
    if not prev or not nxt or _HEADING.match(nxt) or _HEADING.match(prev):
        return False
    body_like = len(prev) >= 14 and any(c in _BODY_PUNCT for c in prev)
    if not (is_cjk(prev[-1]) or (body_like and prev[-1].isdigit())):
        return False
    if nxt[0] in _NO_START:
        return True
    if not (is_cjk(nxt[0]) or nxt[0] in "“‘"):
        return False
    # A continuation carries punctuation or ends a sentence; a bare line of similar length is a
    # narrow column wrapped by extraction; a short bare line after body text is a title.
    nxt_body_like = (
        any(c in _BODY_PUNCT for c in nxt)
        or nxt[-1] in _SENTENCE_END
        or (len(nxt) >= 12 and abs(len(nxt) - len(prev_line)) <= 4)
    )
    return body_like and nxt_body_like


def normalize_text(raw: str) -> str:
    """Normalise one article: NFKC where safe, CJK spacing, extraction line breaks, paragraphs.

    Paragraphs are separated by a blank line; a single line break is kept where the source had one
    between lines that do not continue each other (lists, captions, figures).
    """
    text = raw.translate(_ZERO_WIDTH).replace("\r\n", "\n").replace("\r", "\n")
    text = _nfkc_safe(text)
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or unicodedata.category(ch) != "Cc")
    lines = [_normalise_line(line) for line in text.split("\n")]

    out: list[str] = []
    blank_before = False
    prev_line = ""
    for line in lines:
        if not line:
            blank_before = True
            continue
        if out and _continues(out[-1], line, prev_line):
            out[-1] += line
        else:
            if out:
                out.append("\n\n" if blank_before else "\n")
            out.append(line)
        blank_before = False
        prev_line = line
    # `out` alternates line, separator, line ...; quotes are paired per joined paragraph.
    return "".join(_drop_spaces(_curly_quotes(part)) if part.strip() else part for part in out)
