"""Run dialogue gold sets through `Conversation.ask` (what `qa chat`, the API and the widget use) and score them.

Every turn is scored like a gold question (EM/F1 over answerable turns; an abstention is right on an unanswerable
one). A turn is *right* when its F1 is at least RIGHT_F1 or it rightly abstained. A follow-up is *recognised* when
it was rewritten and the rewrite names the turn's gold subject (when it has one); a topic switch when it was taken
as it stands. Each question is also asked alone (`pipe.ask`, no context), so first turns can be compared with the
same questions asked alone and follow-ups with what the bot answered before it kept context.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from eval.dialogue_gold import TURN_KINDS, Dialogue, load_dialogues
from eval.gold import GoldItem, half_of
from eval.runner import SYSTEMS, load_pipeline
from qa.answer_match import exact_match, f1_score

if TYPE_CHECKING:
    from qa.pipeline import QAPipeline
    from qa.settings import QASettings
    from qa.types import Answer

log = logging.getLogger(__name__)
RIGHT_F1 = 0.8
"""A turn is right when its answer reaches this F1 (or it rightly abstained), as the issue defines it."""


@dataclass
class Outcome:
    """One answer scored against a gold turn."""

    predicted: str | None
    score: float
    em: float
    f1: float
    right: bool
    doc_id: str | None = None


def score_answer(item: GoldItem, answer: Answer | None) -> Outcome:
    """EM/F1 against the gold answers (an abstention scores 1 on an unanswerable turn, 0 otherwise)."""
    predicted = answer.text if answer is not None else None
    cite = answer.citations[0] if answer is not None and predicted is not None and answer.citations else None
    if item.answerable:
        em, f1 = exact_match(predicted, item.answers), f1_score(predicted, item.answers)
        right = f1 >= RIGHT_F1
    else:
        em = f1 = float(predicted is None)
        right = predicted is None
    score = float(answer.score) if answer is not None else 0.0
    return Outcome(predicted, score, em, f1, right, cite.doc_id if cite else None)


@dataclass
class TurnResult:
    """One turn of one dialogue: how it was understood, the answer in the conversation, and alone."""

    dialogue: str
    turn: int
    kind: str
    style: str
    type: str
    question: str
    answers: list[str]
    subject: str | None
    understood_as: str | None
    chat: Outcome
    alone: Outcome
    latency_ms: float
    message: str | None = None
    error: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def recognised(self) -> bool | None:
        """Follow-up: rewritten, naming the gold subject when it has one. Topic switch: taken as it stands."""
        if self.kind == "follow-up":
            return self.understood_as is not None and (self.subject is None or self.subject in self.understood_as)
        if self.kind == "topic-switch":
            return self.understood_as is None
        return None


@dataclass
class Group:
    """Aggregates over a set of turns (None where there is nothing to measure)."""

    n: int
    answerable: int
    em: float | None
    f1: float | None
    right: float | None
    recognised: float | None
    alone_em: float | None
    alone_f1: float | None
    alone_right: float | None


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def group(turns: Sequence[TurnResult]) -> Group:
    """EM/F1 over the answerable turns; right, recognised and the alone figures over all of them."""
    ans = [t for t in turns if t.answerable]
    known = [t.recognised for t in turns if t.recognised is not None]
    return Group(
        n=len(turns), answerable=len(ans),
        em=_mean([t.chat.em for t in ans]), f1=_mean([t.chat.f1 for t in ans]),
        right=_mean([float(t.chat.right) for t in turns]),
        recognised=_mean([float(r) for r in known]),
        alone_em=_mean([t.alone.em for t in ans]), alone_f1=_mean([t.alone.f1 for t in ans]),
        alone_right=_mean([float(t.alone.right) for t in turns]),
    )


@dataclass
class DialogueSystem:
    """One system's run over the dialogues."""

    name: str
    retrieval: str
    reader: str
    """The reader that answered (the rules when a model reader could not be loaded)."""
    turns: list[TurnResult]
    seconds: float

    def by(self, key: str) -> dict[str, Group]:
        groups: dict[str, list[TurnResult]] = {}
        for t in self.turns:
            groups.setdefault(getattr(t, key), []).append(t)
        order = {k: i for i, k in enumerate(TURN_KINDS)}
        return {k: group(v) for k, v in sorted(groups.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))}

    @property
    def overall(self) -> Group:
        return group(self.turns)

    @property
    def follow_up_accuracy(self) -> float | None:
        return self.by("kind").get("follow-up", group([])).right

    @property
    def topic_switch_accuracy(self) -> float | None:
        return self.by("kind").get("topic-switch", group([])).recognised

    def misses(self) -> list[TurnResult]:
        """Follow-ups not answered right and topic switches not taken as new topics or not right, in order."""
        return [
            t for t in self.turns
            if t.kind == "follow-up" and not t.chat.right or t.kind == "topic-switch" and not (t.recognised and t.chat.right)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "retrieval": self.retrieval, "reader": self.reader, "seconds": round(self.seconds, 1),
            "overall": asdict(self.overall), "by_kind": {k: asdict(v) for k, v in self.by("kind").items()},
            "by_style": {k: asdict(v) for k, v in self.by("style").items()},
            "follow_up_accuracy": self.follow_up_accuracy, "topic_switch_accuracy": self.topic_switch_accuracy,
            "turns": [{**asdict(t), "recognised": t.recognised} for t in self.turns],
        }


@dataclass
class DialogueReport:
    gold: str
    half: str | None
    dialogues: int
    index: dict[str, Any]
    systems: list[DialogueSystem]
    created: str
    seconds: float
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def turns(self) -> int:
        return len(self.systems[0].turns) if self.systems else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "gold": self.gold, "half": self.half, "dialogues": self.dialogues, "turns": self.turns, "index": self.index,
            "created": self.created, "seconds": round(self.seconds, 1), "systems": [s.to_dict() for s in self.systems],
        }


def run_system(
    pipe: QAPipeline, name: str, dialogues: Sequence[Dialogue], progress: bool = True, alone: Sequence[str] = TURN_KINDS
) -> DialogueSystem:
    """Every dialogue through a fresh `Conversation` of the named system; the questions of the turn kinds in
    `alone` also asked alone (the others score as abstentions there)."""
    from qa.conversation import Conversation

    retrieval, reader = SYSTEMS[name]
    system = pipe.with_options(retrieval_mode=retrieval, reader=reader)
    started = time.perf_counter()
    results: list[TurnResult] = []
    for dialogue in tqdm(dialogues, desc=f"{name:<16}", unit="dlg", disable=not progress, leave=True):
        chat = Conversation(system)
        for n, turn in enumerate(dialogue.turns, start=1):
            item = turn.item
            answer: Answer | None = None
            error = None
            t0 = time.perf_counter()
            try:
                answer = chat.ask(item.question)
            except Exception as exc:  # one failing turn must not lose the run; it is reported
                error = f"{type(exc).__name__}: {exc}"
                log.warning("%s %s: %s", name, item.id, error)
            latency = (time.perf_counter() - t0) * 1000
            single: Answer | None = None
            if turn.kind in alone:
                with contextlib.suppress(Exception):
                    single = system.ask(item.question)
            results.append(TurnResult(
                dialogue.id, n, turn.kind, item.style, item.type, item.question, list(item.answers), turn.subject,
                answer.understood_as if answer is not None else None, score_answer(item, answer),
                score_answer(item, single), round(latency, 1), answer.message if answer is not None else None, error,
            ))
    return DialogueSystem(name, retrieval, system.reader_name, results, time.perf_counter() - started)


def run_dialogues(
    gold_path: Path | str,
    settings: QASettings | None,
    *,
    systems: Sequence[str] | None = None,
    half: str | None = None,
    limit: int | None = None,
    out_dir: Path | str | None = None,
    progress: bool = True,
    pipe: QAPipeline | None = None,
    alone: Sequence[str] = TURN_KINDS,
) -> DialogueReport:
    """Evaluate `systems` (default: the product) on a dialogue file; writes the reports when `out_dir` is set.
    `half` keeps the dialogues of one half of the fixed split by dialogue id (`eval.gold.half_of`); `alone`: the
    turn kinds whose questions are also asked alone."""
    from eval.runner import PRODUCT

    started = time.perf_counter()
    dialogues = load_dialogues(gold_path, limit=limit)
    if half is not None:
        dialogues = [d for d in dialogues if half_of(d.id) == half]
    if pipe is None:
        if settings is None:
            raise ValueError("run_dialogues needs settings or a pipeline")
        pipe = load_pipeline(settings, progress=progress)
    names = [s for s in SYSTEMS if s in (systems or [PRODUCT])]
    with contextlib.suppress(Exception):  # lazy loading (jieba, the reader, the gazetteer) stays out of latency
        from qa.conversation import Conversation

        Conversation(pipe).ask(dialogues[0].turns[0].item.question)
    results = [run_system(pipe, name, dialogues, progress, alone) for name in names]
    report = DialogueReport(
        str(gold_path), half, len(dialogues), pipe.info().to_dict(), results,
        datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter() - started,
    )
    if out_dir is not None:
        from eval.dialogue_report import write_dialogue_reports

        write_dialogue_reports(report, Path(out_dir))
    return report
