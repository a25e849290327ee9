"""Training data for the span ranker: SQuAD-format Chinese reading comprehension, normalised, split by article.

Sources (paths relative to the repository root, overridable on the command line):

- CMRC 2018 trial (`../shared/data/cmrc2018/cmrc2018_trial.json`, Simplified Chinese);
- DRCD dev and test (`../shared/data/drcd/DRCD_dev.json`, `DRCD_test.json`, Traditional Chinese, converted to
  Simplified with OpenCC `t2s`).

Every paragraph is normalised with `embeddings.normalize.normalize_text` (the text the index stores and cites)
and each gold answer is located in the normalised text next to its original offset, so spans are exact
character offsets into what the reader sees at run time. Answers that cannot be found verbatim are dropped.

Split: by *article* (DRCD dev and test share articles, so a paragraph-id split would put paragraphs of one
article on both sides). An article goes to validation when the first 8 hex digits of
sha1("wenda-ranker-split-v1:" + simplified title) modulo 100 fall below `VALIDATION_PERCENT`. Paragraphs,
and therefore questions, never straddle the split. The seed gold set is never read here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embeddings.normalize import normalize_text

SPLIT_SALT = "wenda-ranker-split-v1:"
VALIDATION_PERCENT = 20

DEFAULT_SOURCES: list[tuple[str, str, bool]] = [
    # (name, path relative to the repository root, traditional → convert)
    ("cmrc2018_trial", "../shared/data/cmrc2018/cmrc2018_trial.json", False),
    ("drcd_dev", "../shared/data/drcd/DRCD_dev.json", True),
    ("drcd_test", "../shared/data/drcd/DRCD_test.json", True),
]


@dataclass
class QAExample:
    """One question over one normalised paragraph; `spans` are gold (start, end) offsets into `context`."""

    qid: str
    question: str
    answers: list[str]
    spans: list[tuple[int, int]]
    pid: str


@dataclass
class Paragraph:
    pid: str
    title: str
    context: str
    source: str
    split: str
    questions: list[QAExample] = field(default_factory=list)


def stable_hash(text: str) -> int:
    """The first 32 bits of sha1(text): the same on every run and machine (unlike `hash`)."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16)


def split_of(title: str, percent: int = VALIDATION_PERCENT) -> str:
    """"validation" or "train" for an article title (stable across runs and machines)."""
    return "validation" if stable_hash(SPLIT_SALT + title) % 100 < percent else "train"


def to_simplified(traditional: bool) -> Any:
    """A str -> str converter: OpenCC Traditional -> Simplified, or the identity."""
    if not traditional:
        return lambda s: s
    try:
        from opencc import OpenCC
    except ImportError as exc:  # pragma: no cover - message for a missing optional dependency
        raise SystemExit(
            "DRCD is Traditional Chinese; install OpenCC first: .venv/bin/pip install opencc-python-reimplemented"
        ) from exc
    cc = OpenCC("t2s")
    return cc.convert


def _locate(context: str, answer: str, hint: int) -> int:
    """Offset of the occurrence of `answer` in `context` nearest to `hint`; -1 when absent."""
    best, pos = -1, context.find(answer)
    while pos != -1:
        if best == -1 or abs(pos - hint) < abs(best - hint):
            best = pos
        pos = context.find(answer, pos + 1)
    return best


def locate_answer(context: str, text: str, hint: int) -> tuple[str, int]:
    """A gold answer as it occurs in the normalised `context` (verbatim, else normalised) and the offset of the
    occurrence nearest to `hint`; ("", -1) when it occurs neither way."""
    pos = _locate(context, text, hint)
    if pos != -1:
        return text, pos
    found = normalize_text(text).strip()
    pos = _locate(context, found, hint) if found else -1
    return (found, pos) if pos != -1 else ("", -1)


def load_squad(path: Path, source: str, traditional: bool) -> tuple[list[Paragraph], dict[str, int]]:
    """Paragraphs (with their located questions) of one SQuAD-format file, plus drop counts."""
    convert = to_simplified(traditional)
    data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    stats = {"questions": 0, "kept": 0, "dropped_answers": 0, "dropped_questions": 0}
    out: list[Paragraph] = []
    for a_no, article in enumerate(data["data"]):
        title = convert(str(article.get("title") or f"{source}-{a_no}"))
        for p_no, para in enumerate(article.get("paragraphs") or []):
            raw = convert(str(para.get("context") or ""))
            pid = f"{source}:{para.get('id') or f'{a_no}-{p_no}'}"
            context = normalize_text(raw)
            paragraph = Paragraph(pid, title, context, source, split_of(title))
            for q_no, qa in enumerate(para.get("qas") or []):
                stats["questions"] += 1
                question = normalize_text(convert(str(qa.get("question") or ""))).strip()
                answers: list[str] = []
                spans: list[tuple[int, int]] = []
                for ans in qa.get("answers") or []:
                    text = convert(str(ans.get("text") or "")).strip()
                    if not text:
                        continue
                    start = int(ans.get("answer_start") or 0)
                    found, pos = locate_answer(context, text, len(normalize_text(raw[:start])))
                    if pos == -1:
                        stats["dropped_answers"] += 1
                        continue
                    if found not in answers:
                        answers.append(found)
                    if (pos, pos + len(found)) not in spans:
                        spans.append((pos, pos + len(found)))
                if not question or not spans:
                    stats["dropped_questions"] += 1
                    continue
                qid = f"{source}:{qa.get('id') or f'{a_no}-{p_no}-{q_no}'}"
                paragraph.questions.append(QAExample(qid, question, answers, spans, pid))
                stats["kept"] += 1
            if paragraph.questions:
                out.append(paragraph)
    return out, stats


def load_corpus(
    root: Path, sources: Sequence[tuple[str, str, bool]] = DEFAULT_SOURCES
) -> tuple[list[Paragraph], dict[str, dict[str, int]]]:
    """All paragraphs of all sources (paths relative to `root`), with per-source statistics."""
    paragraphs: list[Paragraph] = []
    stats: dict[str, dict[str, int]] = {}
    for name, rel, traditional in sources:
        path = (root / rel).resolve()
        if not path.is_file():
            raise SystemExit(f"training data not found: {path}")
        paras, st = load_squad(path, name, traditional)
        st["paragraphs"] = len(paras)
        st["sha1"] = hashlib.sha1(path.read_bytes()).hexdigest()  # type: ignore[assignment]
        stats[name] = st
        paragraphs.extend(paras)
    return paragraphs, stats


def by_split(paragraphs: Iterable[Paragraph], split: str) -> list[Paragraph]:
    return [p for p in paragraphs if p.split == split]
