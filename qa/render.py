"""Terminal rendering of answers: the span highlighted in its sentence, numbered citations."""

from __future__ import annotations

from qa.types import Answer, Citation

_BOLD_YELLOW = "\033[1;33m"
_DIM = "\033[2m"
_RESET = "\033[0m"


def highlight(quote: str, start: int, end: int, color: bool) -> str:
    """`quote` with `quote[start:end]` marked (ANSI colour on a terminal, 【】 otherwise)."""
    left, mid, right = quote[:start], quote[start:end], quote[end:]
    return f"{left}{_BOLD_YELLOW}{mid}{_RESET}{right}" if color else f"{left}【{mid}】{right}"


def _where(cite: Citation) -> str:
    """Where the span is: its line and column in the original file when known, and the normalised offsets."""
    line = getattr(cite, "line", None)
    if line is not None:
        return f"第 {line} 行第 {cite.column} 列（字符 {cite.start}–{cite.end}）"
    return f"字符 {cite.start}–{cite.end}"


def render_answer(answer: Answer, color: bool = False, show_passages: int = 0, load_s: float | None = None) -> str:
    """A readable multi-line answer; `load_s` (seconds spent loading the index and models) is shown apart from
    the answer time."""
    lines: list[str] = []
    if answer.text is None:
        lines.append(f"答：{answer.message or '资料中没有找到答案。'}")
        if answer.passages:
            best = answer.passages[0]
            lines.append(f"   最接近的段落：{best.title}（{best.source}）")
    else:
        lines.append(f"答：{answer.text}")
        for n, cite in enumerate(answer.citations, 1):
            offset = cite.start - cite.quote_start
            lines.append("   " + highlight(cite.quote, offset, offset + cite.end - cite.start, color))
            named = f"{cite.title} — {cite.source}" if cite.title.strip() else cite.source
            lines.append(f"   [{n}] {named}，{_where(cite)}（{cite.doc_id}）")
    for n, passage in enumerate(answer.passages[:show_passages], 1):
        text = passage.text.replace("\n", " ")
        lines.append(f"   段落{n} ({passage.score:.4f}) {passage.doc_id} {passage.start}–{passage.end}: {text[:80]}…")
    timing = f"answer {answer.latency_ms:.0f} ms" + (f" (loading {load_s:.2f} s)" if load_s is not None else "")
    meta = f"score {answer.score:.2f} · {timing} · encoder {answer.encoder} · {answer.retrieval}+{answer.reader}"
    lines.append((f"{_DIM}{meta}{_RESET}") if color else meta)
    return "\n".join(lines)
