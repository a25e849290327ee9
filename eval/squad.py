"""Convert SQuAD-format JSON (CMRC 2018, DRCD, ...) into a gold file and a `.jsonl` corpus.

Each paragraph becomes one corpus record `{"id", "title", "text"}` (id = the paragraph id, unique), so
the index gives it that id as doc_id; gold records carry `doc_id` and retrieval is judged by it.

    python -m eval.squad ../shared/data/cmrc2018/cmrc2018_trial.json --out runs/cmrc
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from embeddings.normalize import normalize_text
from eval.datasets import locate_answer
from eval.gold import GoldError, GoldItem, load_gold, write_gold
from qa.text.question_types import gold_type as guess_type

EVIDENCE_MAX = 80
_SENTENCE_END = "。！？!?\n"

@dataclass
class ConversionReport:
    """What a conversion wrote and what it had to drop."""

    gold_path: Path
    corpus_path: Path
    paragraphs: int = 0
    questions: int = 0
    written: int = 0
    dropped_answers: int = 0
    """Answers no longer found verbatim in the normalised paragraph."""
    dropped_questions: int = 0
    """Questions left with no answer after dropping (unanswerable-by-design ones are kept)."""
    types: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{self.written} questions over {self.paragraphs} paragraphs -> {self.gold_path}; "
            f"dropped {self.dropped_answers} answers and {self.dropped_questions} questions "
            "not found verbatim in the normalised text"
        )


def evidence_window(context: str, start: int, end: int, limit: int = EVIDENCE_MAX) -> str:
    """A substring of `context` holding `[start, end)`: its sentence when short enough, else a centred window.

    At most `limit` characters unless the answer itself is longer (then the answer alone).
    """
    if end - start >= limit:
        return context[start:end]
    s = start
    while s > 0 and context[s - 1] not in _SENTENCE_END:
        s -= 1
    e = end
    while e < len(context) and context[e - 1] not in _SENTENCE_END:
        e += 1
    if e - s <= limit:
        return context[s:e].strip() or context[start:end]
    pad = limit - (end - start)
    s = max(0, start - pad // 2)
    e = min(len(context), s + limit)
    s = max(0, e - limit)
    return context[s:e]


def _unique_id(base: str, taken: set[str]) -> str:
    rid, n = base, 1
    while rid in taken:
        n += 1
        rid = f"{base}-{n}"
    taken.add(rid)
    return rid


def convert_squad(data: dict[str, Any], out_dir: Path | str, name: str) -> ConversionReport:
    """Write `out_dir/gold.jsonl` and `out_dir/corpus/<name>.jsonl` from a decoded SQuAD document."""
    out_dir = Path(out_dir)
    corpus_dir = out_dir / "corpus"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    corpus_file = f"{name}.jsonl"
    report = ConversionReport(gold_path=out_dir / "gold.jsonl", corpus_path=corpus_dir / corpus_file)
    articles = data.get("data") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise GoldError("not SQuAD format: expected {'data': [{'paragraphs': [...]}, ...]}")

    para_ids: set[str] = set()
    question_ids: set[str] = set()
    items: list[GoldItem] = []
    with report.corpus_path.open("w", encoding="utf-8") as corpus:
        for a_no, article in enumerate(articles, 1):
            title = str(article.get("title") or "")
            article_id = str(article.get("id") or f"A{a_no}")
            for p_no, para in enumerate(article.get("paragraphs") or [], 1):
                raw = str(para.get("context") or "")
                pid = _unique_id(str(para.get("id") or f"{article_id}-{p_no}"), para_ids)
                corpus.write(json.dumps({"id": pid, "title": title or pid, "text": raw}, ensure_ascii=False) + "\n")
                report.paragraphs += 1
                context = normalize_text(raw)
                for q_no, qa in enumerate(para.get("qas") or [], 1):
                    report.questions += 1
                    item = _convert_question(qa, raw, context, pid, corpus_file, report)
                    if item is None:
                        continue
                    qid = _unique_id(str(qa.get("id") or f"{pid}-Q{q_no}"), question_ids)
                    items.append(replace(item, id=qid))
    report.written = write_gold(report.gold_path, items)
    for item in items:
        report.types[item.type] = report.types.get(item.type, 0) + 1
    return report


def _convert_question(
    qa: dict[str, Any], raw: str, context: str, pid: str, corpus_file: str, report: ConversionReport
) -> GoldItem | None:
    question = str(qa.get("question") or "").strip()
    if not question:
        report.dropped_questions += 1
        return None
    raw_answers = [a for a in qa.get("answers") or [] if str(a.get("text") or "").strip()]
    if qa.get("is_impossible") or not raw_answers:
        if qa.get("is_impossible"):
            return GoldItem(id="_", question=question, answers=[], type="unanswerable", style="unanswerable")
        report.dropped_questions += 1
        return None
    answers: list[str] = []
    first_span: tuple[int, int] | None = None
    for a in raw_answers:
        text = str(a["text"]).strip()
        start = int(a.get("answer_start") or 0)
        hint = len(normalize_text(raw[:start])) + (1 if start and raw[start - 1].isspace() else 0)
        found, pos = locate_answer(context, text, hint)
        if pos == -1:
            report.dropped_answers += 1
            continue
        if found not in answers:
            answers.append(found)
        if first_span is None:
            first_span = (pos, pos + len(found))
    if first_span is None:
        report.dropped_questions += 1
        return None
    return GoldItem(
        id="_",
        question=question,
        answers=answers,
        source=corpus_file,
        evidence=evidence_window(context, *first_span),
        type=guess_type(question),
        style="external",
        doc_id=pid,
    )


def convert_file(path: Path | str, out_dir: Path | str) -> ConversionReport:
    """Convert one SQuAD-format JSON file; the corpus file is named after it."""
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"SQuAD file not found: {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GoldError(f"{path}: not readable JSON ({exc})") from exc
    return convert_squad(data, out_dir, path.stem)


def split_squad(squad_path: Path | str, out_path: Path | str, split: str) -> Path:
    """A copy of a SQuAD-format file keeping only the articles of the reader's `split` (by title, as in training)."""
    from eval.datasets import split_of, to_simplified

    squad_path, out_path = Path(squad_path), Path(out_path)
    data = json.loads(squad_path.read_text(encoding="utf-8-sig"))
    convert = to_simplified("drcd" in squad_path.name.lower())
    kept = [a for a in data.get("data", []) if split_of(convert(str(a.get("title") or ""))) == split]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps({**data, "data": kept}, ensure_ascii=False), encoding="utf-8")
    return out_path


def split_gold(squad_path: Path | str, gold_path: Path | str, split: str) -> Path:
    """A copy of a converted gold file keeping the questions whose article falls in the trained reader's `split`
    ("train" or "validation", by title as in training), so a reader can be scored on articles it never saw."""
    from eval.datasets import split_of, to_simplified

    squad_path, gold_path = Path(squad_path), Path(gold_path)
    data = json.loads(squad_path.read_text(encoding="utf-8-sig"))
    convert = to_simplified("drcd" in squad_path.name.lower())  # the same title conversion as training
    wanted = {
        str(p.get("id")) for a in data.get("data", []) for p in a.get("paragraphs", [])
        if split_of(convert(str(a.get("title") or ""))) == split
    }
    items = [item for item in load_gold(gold_path) if item.doc_id in wanted]
    out = gold_path.with_name(f"gold-{split}.jsonl")
    write_gold(out, items)
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m eval.squad IN.json --out DIR`."""
    parser = argparse.ArgumentParser(prog="python -m eval.squad", description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="SQuAD-format JSON file")
    parser.add_argument("--out", type=Path, required=True, help="writes OUT/gold.jsonl and OUT/corpus/<name>.jsonl")
    args = parser.parse_args(argv)
    try:
        report = convert_file(args.input, args.out)
    except GoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    print("types: " + ", ".join(f"{k}={v}" for k, v in sorted(report.types.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
