"""SQuAD-format reading-comprehension sets, normalised and split by article (the reader's training data).

Sources (paths relative to the repository root):

- CMRC 2018 train (`../shared/data/cmrc2018/cmrc2018_train.json`, Simplified): 10 % of its articles are the
  reader's validation split, the rest train it;
- DRCD dev and test (`../shared/data/drcd/`, Traditional, converted to Simplified with OpenCC `t2s`): split the
  same way (dev and test share articles, so the split is by article title, never by paragraph);
- SQuAD v1.1 dev (`../shared/data/squad/dev-v1.1.json`, English): optional, for cross-lingual training;
- CMRC 2018 trial is never trained on: it is the open-retrieval evaluation set (`make eval-cmrc`).

An article goes to validation when the first 8 hex digits of sha1(`SPLIT_SALT` + simplified title), as an
integer, modulo 100 fall below `VALIDATION_PERCENT`. Every paragraph is normalised with
`embeddings.normalize.normalize_text` (the text the index stores and cites) and each gold answer is located in
the normalised text next to its original offset, so spans are exact offsets into what the reader sees at run
time; answers that cannot be found are dropped and counted. The seed gold set is never read here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embeddings.normalize import normalize_text

SPLIT_SALT = "wenda-reader-split-v2:"
VALIDATION_PERCENT = 10


@dataclass(frozen=True)
class Source:
    """One SQuAD-format file: `name`, path relative to the repository root, and whether it is Traditional."""

    name: str
    path: str
    traditional: bool = False


CMRC_TRAIN = Source("cmrc2018_train", "../shared/data/cmrc2018/cmrc2018_train.json")
CMRC_TRIAL = Source("cmrc2018_trial", "../shared/data/cmrc2018/cmrc2018_trial.json")
DRCD_DEV = Source("drcd_dev", "../shared/data/drcd/DRCD_dev.json", traditional=True)
DRCD_TEST = Source("drcd_test", "../shared/data/drcd/DRCD_test.json", traditional=True)
SQUAD_DEV = Source("squad_dev", "../shared/data/squad/dev-v1.1.json")
READER_SOURCES: tuple[Source, ...] = (CMRC_TRAIN, DRCD_DEV, DRCD_TEST)
"""What the reader trains on by default (SQuAD is opt-in: `qa train-reader --squad`)."""


@dataclass
class QAExample:
    """One question over one normalised paragraph; `spans` are gold (start, end) offsets into its context."""

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


def to_simplified(traditional: bool) -> Callable[[str], str]:
    """A str -> str converter: OpenCC Traditional -> Simplified, or the identity."""
    if not traditional:
        return lambda s: s
    try:
        from opencc import OpenCC
    except ImportError as exc:  # pragma: no cover - message for a missing optional dependency
        raise SystemExit(
            "DRCD is Traditional Chinese; install OpenCC first: .venv/bin/pip install opencc-python-reimplemented"
        ) from exc
    return OpenCC("t2s").convert


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


def load_squad(path: Path, source: str, traditional: bool, split: str | None = None) -> tuple[list[Paragraph], dict[str, int]]:
    """Paragraphs (with their located questions) of one SQuAD-format file, plus drop counts. `split` forces
    every article into one split (the evaluation-only sets); None splits by title."""
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
            paragraph = Paragraph(pid, title, context, source, split or split_of(title))
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


def load_sources(root: Path, sources: Sequence[Source]) -> tuple[list[Paragraph], dict[str, dict[str, object]]]:
    """All paragraphs of `sources` (paths relative to `root`), with per-source statistics and file hashes."""
    paragraphs: list[Paragraph] = []
    stats: dict[str, dict[str, object]] = {}
    for src in sources:
        path = (root / src.path).resolve()
        if not path.is_file():
            raise SystemExit(f"training data not found: {path}")
        paras, st = load_squad(path, src.name, src.traditional)
        stats[src.name] = {**st, "paragraphs": len(paras), "sha1": hashlib.sha1(path.read_bytes()).hexdigest()}
        paragraphs.extend(paras)
    return paragraphs, stats


def by_split(paragraphs: Iterable[Paragraph], split: str) -> list[Paragraph]:
    return [p for p in paragraphs if p.split == split]
