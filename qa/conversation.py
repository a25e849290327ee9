"""Multi-turn chat: follow-ups that lack their own subject inherit the previous turn's entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.pipeline import QAPipeline
from qa.reader.question import analyse
from qa.reader.spans import organizations, persons, places, quotes
from qa.types import Answer

_ANAPHORA = re.compile(r"^(那|那么|那它|它|他|她|其|该|这个|那个|这里|那里|此外|还有|另外|然后)|[它他她其该]")
_MAX_KEYWORDS_FOR_FOLLOWUP = 2


def subject_of(text: str) -> list[str]:
    """Named things in a question: organisations, places, people and quoted names, longest first."""
    spans = organizations(text, 0, len(text)) + places(text, 0, len(text)) + persons(text, 0, len(text)) + quotes(text, 0, len(text))
    names: list[str] = []
    for span in sorted(spans, key=lambda s: -(s.end - s.start)):
        name = text[span.start : span.end]
        if not any(name in other for other in names):
            names.append(name)
    return names


@dataclass(frozen=True)
class Turn:
    """What a later follow-up needs of an earlier turn (no passages: sessions stay small)."""

    question: str
    query: str
    subject: list[str]
    answer_text: str | None


@dataclass
class Conversation:
    """One chat session over a pipeline; `ask` carries context between turns. Not thread-safe: one
    caller at a time per session (the server locks each session)."""

    pipeline: QAPipeline
    max_turns: int = 20
    turns: list[Turn] = field(default_factory=list)

    def is_follow_up(self, question: str) -> bool:
        """A question with a pronoun or no subject of its own, asked after an earlier turn."""
        if not self.turns or subject_of(question):
            return False
        return bool(_ANAPHORA.search(question)) or len(analyse(question).keywords) <= _MAX_KEYWORDS_FOR_FOLLOWUP

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        """Answer a message, expanding it with the previous subject when it is a follow-up."""
        query = None
        subject = subject_of(question)
        if self.is_follow_up(question):
            subject = self.turns[-1].subject
            if subject:
                query = " ".join(subject) + " " + question
        answer = self.pipeline.ask(question, top_k=top_k, query=query)
        self.turns.append(Turn(question, query or question, subject, answer.text))
        del self.turns[: -self.max_turns]
        return answer

    def reset(self) -> None:
        self.turns.clear()
