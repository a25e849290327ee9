"""Dialogue gold records: a conversation of 2–4 turns, each a gold question plus what kind of turn it is.

One JSON object per line: `id`, `turns` (a list). Each turn has the gold-question fields (`question`, `answers`,
`source`, `evidence`, `type`; see eval/README.md) and `kind` (first, follow-up, topic-switch), `style` (for a
follow-up: pronoun, attribute, implicit, unanswerable) and `subject` (a name the turn is about, which a rewrite
of it must contain; null when it has none, e.g. national statistics).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.gold import GoldError, GoldItem, load_records, parse_item

TURN_KINDS = ("first", "follow-up", "topic-switch")
MIN_TURNS, MAX_TURNS = 2, 4


@dataclass(frozen=True)
class GoldTurn:
    """One turn: the gold question (`item.id` is `<dialogue id>#<turn number>`), its kind and subject."""

    item: GoldItem
    kind: str
    subject: str | None = None


@dataclass(frozen=True)
class Dialogue:
    id: str
    turns: tuple[GoldTurn, ...]


def parse_dialogue(record: Any, where: str = "dialogue") -> Dialogue:
    """Validate one decoded JSON object against the dialogue schema."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"].strip():
        raise GoldError(f"{where}: expected an object with a non-empty 'id'")
    turns = record.get("turns")
    if not isinstance(turns, list) or not MIN_TURNS <= len(turns) <= MAX_TURNS:
        raise GoldError(f"{where}: 'turns' must be a list of {MIN_TURNS} to {MAX_TURNS} turns")
    out = []
    for n, turn in enumerate(turns, start=1):
        here = f"{where} turn {n}"
        if not isinstance(turn, dict):
            raise GoldError(f"{here}: expected a JSON object")
        item = parse_item({**turn, "id": f"{record['id']}#{n}"}, here)
        kind = turn.get("kind")
        if kind not in TURN_KINDS or (kind == "first") != (n == 1):
            raise GoldError(f"{here}: 'kind' must be 'first' for the first turn, else 'follow-up' or 'topic-switch'")
        subject = turn.get("subject")
        if subject is not None and (not isinstance(subject, str) or not subject.strip()):
            raise GoldError(f"{here}: 'subject' must be a non-empty string or null")
        out.append(GoldTurn(item, kind, subject))
    return Dialogue(record["id"], tuple(out))


def load_dialogues(path: Path | str, limit: int | None = None) -> list[Dialogue]:
    """Read a dialogue `.jsonl` file (blank lines skipped); ids must be unique."""
    return load_records(path, parse_dialogue, kind="dialogue", unit="dialogues", limit=limit)
