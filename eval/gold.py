"""Gold question records: the schema, loading with validation, and writing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from qa.errors import WendaError
from qa.text.question_types import GOLD_TYPES

TYPES = GOLD_TYPES
STYLES = ("lexical", "paraphrase", "disambiguation", "unanswerable", "external")
"""`external` marks questions converted from another data set (SQuAD format), whose style is unknown.
TYPES and STYLES are the labels of the seed gold set; a gold file may use any other label."""


class GoldError(WendaError):
    """A gold file is missing or a record does not follow the schema."""


@dataclass(frozen=True)
class GoldItem:
    """One gold question. `answers == []` means the articles do not answer it."""

    id: str
    question: str
    answers: list[str] = field(default_factory=list)
    source: str | None = None
    evidence: str | None = None
    type: str = "entity"
    style: str = "lexical"
    doc_id: str | None = None
    """Optional: the exact document (e.g. a SQuAD paragraph); preferred over `source` when set."""

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "source": self.source,
            "evidence": self.evidence,
            "type": self.type,
            "style": self.style,
        }
        if self.doc_id is not None:
            out["doc_id"] = self.doc_id
        return out


def _opt_str(record: dict[str, Any], key: str, where: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise GoldError(f"{where}: '{key}' must be a non-empty string or null")
    return value


def parse_item(record: Any, where: str = "gold record") -> GoldItem:
    """Validate one decoded JSON object against the gold schema."""
    if not isinstance(record, dict):
        raise GoldError(f"{where}: expected a JSON object")
    for key in ("id", "question"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise GoldError(f"{where}: '{key}' must be a non-empty string")
    answers = record.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise GoldError(f"{where}: 'answers' must be a list of non-empty strings")
    kind = record.get("type", "entity")
    style = record.get("style", "lexical")
    # Any label is accepted (a user's gold set has its own, e.g. "multi-hop"); each is reported as its own group.
    for key, label in (("type", kind), ("style", style)):
        if not isinstance(label, str) or not label.strip():
            raise GoldError(f"{where}: {key!r} must be a non-empty string (e.g. {TYPES[0] if key == 'type' else STYLES[0]!r})")
    source = _opt_str(record, "source", where)
    evidence = _opt_str(record, "evidence", where)
    doc_id = _opt_str(record, "doc_id", where)
    if answers and source is None and doc_id is None and evidence is None:
        raise GoldError(f"{where}: an answerable question needs 'source', 'doc_id' or 'evidence'")
    return GoldItem(
        id=record["id"],
        question=record["question"],
        answers=list(answers),
        source=source,
        evidence=evidence,
        type=kind,
        style=style,
        doc_id=doc_id,
    )


HALF_SALT = "wenda-seed-half-v1:"
HALVES = ("tuning", "report")


def half_of(item_id: str) -> str:
    """"tuning" or "report": the fixed split of a gold set by sha1(HALF_SALT + id). Thresholds and weights may be
    fitted on the tuning half; the report half is only reported (seed set: 165 tuning, 139 report questions)."""
    import hashlib

    return HALVES[int(hashlib.sha1((HALF_SALT + item_id).encode("utf-8")).hexdigest()[:8], 16) % 2]


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_Identified)


def load_records(path: Path | str, parse: Callable[[Any, str], T], *, kind: str, unit: str, limit: int | None = None) -> list[T]:
    """Parse every line of a `.jsonl` gold file with `parse(record, "file:line")` (blank lines skipped); ids
    (`.id` of what `parse` returns) must be unique. `kind` and `unit` name the file and its records in errors."""
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"{kind} file not found: {path}")
    out: list[T] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldError(f"{where}: invalid JSON ({exc.msg})") from exc
            parsed = parse(record, where)
            if parsed.id in seen:
                raise GoldError(f"{where}: duplicate id {parsed.id!r}")
            seen.add(parsed.id)
            out.append(parsed)
            if limit is not None and len(out) >= limit:
                break
    if not out:
        raise GoldError(f"{kind} file has no {unit}: {path}")
    return out


def load_gold(path: Path | str, limit: int | None = None) -> list[GoldItem]:
    """Read a gold `.jsonl` file (blank lines skipped); ids must be unique."""
    return load_records(path, parse_item, kind="gold", unit="questions", limit=limit)


def write_gold(path: Path | str, items: Iterable[GoldItem]) -> int:
    """Write gold items as `.jsonl`; returns how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n
