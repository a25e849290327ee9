"""What a conversation is about: for each earlier turn, the entities of the question as understood, of the
answer, of the answer's sentence and of its article, most recent turn first."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.dialogue.entities import Entity

NAME_TYPES = {"person": "person", "place": "place", "organization": "organization", "entity": "programme", "quote": "programme"}
"""Question types whose answer names a thing a later pronoun can point at (-> the entity kind)."""
MAX_NAME_CHARS = 16
RECENT_TURNS = 2
"""Only the last turns are looked at for a subject: older topics are not brought back by a pronoun."""
_NUMBER_PHRASE = re.compile(r"[0-9０-９]|^[一二三四五六七八九十百千万两几]+[个名位年天月次岁条项种类起件]")
"""A measure or a count (海拔5072米, 靖安2023, 五年连降直播, 四个坚持): never what a pronoun points at."""


@dataclass(frozen=True)
class TurnRecord:
    """One answered (or abstained) turn, as later turns need it."""

    question: str
    understood: str
    """The standalone question that was read: the rewrite of a follow-up, else the question itself."""
    entities: tuple[Entity, ...] = ()
    """Named in `understood`."""
    answer: str | None = None
    answer_entity: Entity | None = None
    """The answer itself when it is a name (刘佳奇, 唐古拉山口)."""
    sentence_entities: tuple[Entity, ...] = ()
    doc_id: str | None = None
    doc_entities: tuple[Entity, ...] = ()
    """What the answer's article is about (its station or person)."""
    qtype: str = "entity"


def answer_entity(answer: str | None, qtype: str) -> Entity | None:
    """The answer as an entity when the question asked for a name and the span is short and name-like."""
    kind = NAME_TYPES.get(qtype)
    if not answer or kind is None or len(answer) > MAX_NAME_CHARS or any(ch in answer for ch in "，。；、,;"):
        return None
    return Entity(answer.strip("“”‘’「」《》"), kind)


@dataclass
class Context:
    """The turns so far (bounded), newest last."""

    max_turns: int = 20
    turns: list[TurnRecord] = field(default_factory=list)

    def add(self, record: TurnRecord) -> None:
        self.turns.append(record)
        del self.turns[: -self.max_turns]

    def clear(self) -> None:
        self.turns.clear()

    @property
    def last(self) -> TurnRecord | None:
        return self.turns[-1] if self.turns else None

    def subjects(self, kind: str | None = None) -> list[Entity]:
        """Candidate antecedents, most recent turn first; within a turn: the question's entities, the answer (first
        when it is of the kind the pronoun asks for), the answer sentence's, the article's. `kind` ("person" or
        "thing") keeps only matching entities (他 is never a station, 它 never a person); number phrases are never
        subjects."""
        out: list[Entity] = []
        for record in reversed(self.turns[-RECENT_TURNS:]):
            ordered = list(record.entities)
            if record.answer_entity is not None:
                answer_first = kind is not None and _matches(record.answer_entity, kind)
                ordered.insert(0 if answer_first else len(ordered), record.answer_entity)
            ordered += list(record.sentence_entities) + list(record.doc_entities)
            for entity in ordered:
                if all(entity.label != seen.label for seen in out) and not number_phrase(entity):
                    out.append(entity)
        if kind is not None:
            out = [e for e in out if _matches(e, kind)]
        return out

    def preferred_docs(self) -> list[str]:
        """The article of the most recent answer (for a soft retrieval preference)."""
        for record in reversed(self.turns):
            if record.doc_id is not None:
                return [record.doc_id]
        return []


def number_phrase(entity: Entity) -> bool:
    """Whether an entity is a measure or a count rather than a name (see `_NUMBER_PHRASE`)."""
    return _NUMBER_PHRASE.search(entity.label) is not None


def _matches(entity: Entity, kind: str) -> bool:
    return (entity.kind == "person") == (kind == "person")
