"""Checks on the gold evaluation set `eval/gold/seeds.jsonl` over the articles in `seeds/`.

Every answerable question must cite an exact span of the *normalised* article text (what the index stores
and cites); the style mix and the coverage of the five articles must stay close to the targets.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from embeddings.normalize import normalize_text  # noqa: E402
from eval.gold import TYPES as GOLD_TYPES  # noqa: E402

GOLD = ROOT / "eval" / "gold" / "seeds.jsonl"
SEEDS = ROOT / "seeds"

REQUIRED_KEYS = ("id", "question", "answers", "source", "evidence", "type", "style")
TYPES = set(GOLD_TYPES)
STYLES = {"lexical", "paraphrase", "disambiguation", "unanswerable"}
TARGET_MIX = {"lexical": 40.0, "paraphrase": 35.0, "disambiguation": 12.0, "unanswerable": 13.0}
MIX_TOLERANCE = 6.0  # percentage points
MIN_QUESTIONS = 150
MIN_PER_SOURCE = 10
EVIDENCE_LEN = (10, 80)
ID_PATTERN = re.compile(r"^seed-\d{3,}$")


@lru_cache(maxsize=1)
def _lines() -> tuple[str, ...]:
    assert GOLD.is_file(), f"gold file missing: {GOLD}"
    return tuple(line for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip())


@lru_cache(maxsize=1)
def _records() -> tuple[dict, ...]:
    out = []
    for n, line in enumerate(_lines(), start=1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - reported by test_every_line_is_json
            raise AssertionError(f"line {n}: invalid JSON: {exc}") from exc
        out.append(rec)
    return tuple(out)


@cache
def _article(name: str) -> str:
    return normalize_text((SEEDS / name).read_text(encoding="utf-8"))


def _seed_files() -> list[str]:
    return sorted(p.name for p in SEEDS.glob("*.txt"))


def _answerable(rec: dict) -> bool:
    return rec.get("style") != "unanswerable" and rec.get("type") != "unanswerable"


def test_every_line_is_a_json_object():
    errors = []
    for n, line in enumerate(_lines(), start=1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: {exc}")
            continue
        if not isinstance(rec, dict):
            errors.append(f"line {n}: not a JSON object")
    assert not errors, "\n".join(errors)


def test_required_keys_and_field_types():
    errors = []
    for rec in _records():
        rid = rec.get("id", "?")
        missing = [k for k in REQUIRED_KEYS if k not in rec]
        if missing:
            errors.append(f"{rid}: missing keys {missing}")
            continue
        if not isinstance(rec["id"], str) or not ID_PATTERN.match(rec["id"]):
            errors.append(f"{rid}: id must look like seed-001")
        if not isinstance(rec["question"], str) or not rec["question"].strip():
            errors.append(f"{rid}: empty question")
        if not isinstance(rec["answers"], list) or not all(isinstance(a, str) for a in rec["answers"]):
            errors.append(f"{rid}: answers must be a list of strings")
        for key in ("source", "evidence"):
            if rec[key] is not None and not isinstance(rec[key], str):
                errors.append(f"{rid}: {key} must be a string or null")
    assert not errors, "\n".join(errors)


def test_ids_unique():
    ids = [rec.get("id") for rec in _records()]
    dupes = sorted(i for i, c in Counter(ids).items() if c > 1)
    assert not dupes, f"duplicate ids: {dupes}"


def test_questions_unique():
    qs = [rec.get("question") for rec in _records()]
    dupes = sorted(q for q, c in Counter(qs).items() if c > 1)
    assert not dupes, f"duplicate questions: {dupes}"


def test_type_and_style_allowed():
    errors = []
    for rec in _records():
        if rec.get("type") not in TYPES:
            errors.append(f"{rec.get('id')}: bad type {rec.get('type')!r}")
        if rec.get("style") not in STYLES:
            errors.append(f"{rec.get('id')}: bad style {rec.get('style')!r}")
    assert not errors, "\n".join(errors)


def test_answerable_items_cite_the_normalised_article():
    seeds = set(_seed_files())
    lo, hi = EVIDENCE_LEN
    errors = []
    for rec in _records():
        if not _answerable(rec):
            continue
        rid, src, ev = rec.get("id"), rec.get("source"), rec.get("evidence")
        answers = rec.get("answers") if isinstance(rec.get("answers"), list) else []
        if not answers:
            errors.append(f"{rid}: answerable item without answers")
        if src not in seeds:
            errors.append(f"{rid}: source {src!r} is not a file in seeds/")
            continue
        if not isinstance(ev, str):
            errors.append(f"{rid}: evidence missing")
            continue
        if not lo <= len(ev) <= hi:
            errors.append(f"{rid}: evidence length {len(ev)} outside {lo}-{hi}")
        if ev not in _article(src):
            errors.append(f"{rid}: evidence is not an exact substring of normalize_text({src})")
        for ans in answers:
            if not isinstance(ans, str) or not ans.strip():
                errors.append(f"{rid}: empty answer")
            elif ans not in ev:
                errors.append(f"{rid}: answer {ans!r} is not inside the evidence")
        if len(set(answers)) != len(answers):
            errors.append(f"{rid}: repeated answer variants")
    assert not errors, "\n".join(errors)


def test_unanswerable_items_are_empty():
    errors = []
    for rec in _records():
        is_type = rec.get("type") == "unanswerable"
        is_style = rec.get("style") == "unanswerable"
        if not (is_type or is_style or rec.get("answers") == []):
            continue
        rid = rec.get("id")
        if not (is_type and is_style):
            errors.append(f"{rid}: unanswerable needs type and style 'unanswerable' and answers []")
        if rec.get("answers") != []:
            errors.append(f"{rid}: unanswerable item has answers")
        if rec.get("source") is not None or rec.get("evidence") is not None:
            errors.append(f"{rid}: unanswerable item must have source and evidence null")
    assert not errors, "\n".join(errors)


def test_enough_questions():
    assert len(_records()) >= MIN_QUESTIONS, f"only {len(_records())} questions (need {MIN_QUESTIONS})"


def test_style_mix_close_to_target():
    recs = _records()
    counts = Counter(rec.get("style") for rec in recs)
    off = {}
    for style, target in TARGET_MIX.items():
        share = 100.0 * counts.get(style, 0) / len(recs)
        if abs(share - target) > MIX_TOLERANCE:
            off[style] = round(share, 1)
    assert not off, f"style shares off target {TARGET_MIX} by more than {MIX_TOLERANCE} points: {off}"


def test_every_article_is_covered():
    counts = Counter(rec.get("source") for rec in _records() if _answerable(rec))
    thin = {name: counts.get(name, 0) for name in _seed_files() if counts.get(name, 0) < MIN_PER_SOURCE}
    assert _seed_files(), "no seed articles found"
    assert not thin, f"articles with fewer than {MIN_PER_SOURCE} questions: {thin}"
