"""Multi-turn chat: each turn is taken as a new topic, a follow-up (rewritten into standalone questions, of which the
reader's most confident answer wins), or a question that only makes sense with an earlier turn when there is none.

A turn is a follow-up when it lacks a subject of its own: a pronoun (它, 他, 该所, 这里), a demonstrative or an
ellipsis (那…呢？, 其中, 那天) with no name in it, or no name and few words. A turn that names a station, person,
place or programme starts a new topic. A long turn with no name and no pointer is read both as it stands and
rewritten, and the reader decides. The pieces live in `qa.dialogue`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from qa.dialogue.context import Context, TurnRecord, answer_entity
from qa.dialogue.entities import Entity, Gazetteer, gazetteer_for, mentions, named_in
from qa.dialogue.forms import TurnForm, read_form
from qa.dialogue.prefer import prefer
from qa.dialogue.rewrite import Rewrite, rewrites
from qa.pipeline import NOT_FOUND, QAPipeline
from qa.reader.answer_shape import misfits, unfit
from qa.reader.evidence import EvidenceScorer
from qa.reader.question import analyse
from qa.reader.rules import RULES_ABSTAIN_THRESHOLD, RuleReader
from qa.types import Answer, Passage

RANK_PENALTY = 0.05
"""Subtracted from a reading's score per place in the list (as it stands first, then the rewrites, most plausible
first): near-ties go to the more plausible reading. The smallest of 0, 0.05, 0.1, 0.2 with the best share of
follow-ups rewritten with the right subject on the tuning half of eval/gold/dialogues.jsonl (rule reader)."""
NEURAL_RANK_PENALTY = 0.1
"""The same for the neural reader, chosen by follow-ups answered right on the dialogue tuning half (27 dialogues,
49 follow-ups; `WENDA_FOLLOWUP_RANK_PENALTY=v qa eval --dialogues … --half tuning`). With the checks of
`Reading.answers` and the article preference of `_pick`, 0 / 0.1 gave 79.6 / 81.6 % (rewritten with the right
subject 81.6 / 79.6 %); before them, 0 / 0.05 / 0.1 / 0.2 / 0.3 / 0.5 gave 75.5 / 71.4 / 73.5 / 73.5 / 73.5 / 73.5 %."""
EVIDENCE_GATE = RULES_ABSTAIN_THRESHOLD
"""A rewrite's answer is given only when the rule reader's evidence score for the rewrite over the same passages
(IDF-weighted keyword coverage of its best sentence) reaches this, the rule reader's own abstention threshold:
the neural reader's confidence saturates near 1 for rewrites whose subject the passages do not mention (河北那辆车
是什么牌子的？ answered “江克栋站”, evidence 0.20). On the dialogue tuning half no right follow-up answer had less
than 0.34."""
DANGLING = (
    "资料中没有找到答案：这个问题要有上文才能理解（“它”“他”“该所”“那…呢”指的是前面说过的对象），但对话里还没有"
    "上文。请把问题问完整，说出问的是哪个单位、哪个人或哪件事。"
)
KINDS = ("new", "follow-up", "open", "dangling")


def subject_of(text: str, gazetteer: Gazetteer | None = None) -> list[str]:
    """The names a text mentions (short forms: 莲前派出所 for 福建省厦门市公安局莲前派出所)."""
    return [e.label for e in mentions(text, gazetteer)]


@dataclass(frozen=True)
class Plan:
    """How a turn will be read: its form, the names it mentions, its kind (one of KINDS) and the rewrites tried."""

    question: str
    form: TurnForm
    named: tuple[Entity, ...]
    kind: str
    rewrites: tuple[Rewrite, ...] = ()

    @property
    def as_is(self) -> bool:
        """Whether the turn is also (or only) read as it stands."""
        return self.kind != "follow-up" or not self.rewrites


def classify(form: TurnForm, named: list[Entity], has_context: bool) -> str:
    """The kind of a turn (see the module docstring)."""
    if not has_context:
        return "dangling" if form.pronoun or (form.demonstrative or form.ellipsis) and not named else "new"
    if form.pronoun or form.attribute is not None:
        return "follow-up"
    if named:
        return "new"
    if form.refers_back or form.short:
        return "follow-up"
    return "open"


@dataclass
class Conversation:
    """One chat session over a pipeline; `ask` carries context between turns. Not thread-safe: one
    caller at a time per session (the server locks each session)."""

    pipeline: QAPipeline
    max_turns: int = 20
    context: Context = field(default_factory=Context)
    rank_penalty: float | None = None
    """None: `settings.followup_rank_penalty`, else the measured default for the pipeline's reader."""
    _evidence_reader: RuleReader | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.context.max_turns = self.max_turns
        if self.rank_penalty is None:
            configured = self.pipeline.settings.followup_rank_penalty
            neural = self.pipeline.reader_name.startswith("neural")
            default = NEURAL_RANK_PENALTY if neural else RANK_PENALTY
            self.rank_penalty = default if configured is None else configured

    @property
    def turns(self) -> list[TurnRecord]:
        return self.context.turns

    @property
    def gazetteer(self) -> Gazetteer:
        return gazetteer_for(self.pipeline.index)

    def plan(self, question: str) -> Plan:
        """Decide how to read `question` given the turns so far (no retrieval, no reading)."""
        form = read_form(question)
        named = mentions(question, self.gazetteer)
        kind = classify(form, named, bool(self.context.turns))
        found = rewrites(form, self.context, named) if kind in ("follow-up", "open") else []
        return Plan(question, form, tuple(named), kind, tuple(found))

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        """Answer a message: as it stands, or as the rewrite the reader answers most confidently."""
        started = time.perf_counter()
        plan = self.plan(question)
        pipe = self.pipeline
        options: list[Reading] = []
        if plan.as_is:
            options.append(Reading(None, pipe.ask(question, top_k=top_k)))
        preferred = self.context.preferred_docs()
        if plan.kind in ("follow-up", "open"):
            depth = 2 * max(top_k or pipe.settings.top_k, pipe.settings.read_k)
            for rewrite in plan.rewrites:
                passages = prefer(pipe.retrieve(rewrite.text, depth), preferred, pipe.weights.k)
                answer = pipe.ask(question, top_k=top_k, query=rewrite.text, passages=passages, reader_question=rewrite.text)
                options.append(self._reading(rewrite, answer, passages, preferred))
        chosen, answer = _pick(options, float(self.rank_penalty or 0.0))
        answer = _for_turn(answer, plan, chosen)
        understood = chosen.text if chosen is not None else question
        self.context.add(self._record(question, understood, answer))
        return dataclasses.replace(answer, latency_ms=round((time.perf_counter() - started) * 1000, 2))

    def remember(
        self, question: str, *, understood_as: str | None = None, answer: str | None = None, doc_id: str | None = None,
        quote: str | None = None,
    ) -> None:
        """Record a turn answered earlier elsewhere (an earlier message pair of an OpenAI-style request), without
        reading it again."""
        understood = understood_as or question
        qtype = analyse(understood).qtype
        g = self.gazetteer
        known_doc = doc_id if doc_id in self.pipeline.index.doc_by_id else None
        self.context.add(TurnRecord(
            question, understood, tuple(mentions(understood, g)), answer, answer_entity(answer, qtype),
            tuple(mentions(quote, g)) if quote else (), known_doc, tuple(g.subjects_of(known_doc)), qtype,
        ))

    def reset(self) -> None:
        """Forget every earlier turn: the next question is read as it stands."""
        self.context.clear()

    def _reading(self, rewrite: Rewrite, answer: Answer, passages: list[Passage], preferred: list[str]) -> Reading:
        """A rewrite's answer with what the choice between readings weighs besides the reader's score: whether
        the span misfits the rewrite (a count in the wrong measure word), the rule reader's evidence score for the
        rewrite, and whether the answer left the article the conversation is on."""
        if answer.text is None:
            return Reading(rewrite, answer)
        pipe = self.pipeline
        analysis = analyse(rewrite.text)
        read = passages[: pipe.settings.read_k]
        scored = self._evidence.read(analysis, read, pipe.index.doc_by_id) if analysis.keywords else None
        cite = answer.citations[0] if answer.citations else None
        article = pipe.document(cite.doc_id) if cite is not None else None
        misfit = (unfit(analysis, article.text, cite.start, cite.end) if article is not None and cite is not None
                  else misfits(analysis, answer.text))
        return Reading(
            rewrite, answer, misfit=misfit, evidence=scored.score if scored is not None else 0.0,
            elsewhere=bool(preferred) and cite is not None and cite.doc_id not in preferred,
            unmentioned=bool(rewrite.subject) and article is not None and not named_in(str(rewrite.subject), article.text),
        )

    @property
    def _evidence(self) -> RuleReader:
        if self._evidence_reader is None:
            self._evidence_reader = RuleReader(EvidenceScorer(self.pipeline.idf, self.pipeline.codes))
        return self._evidence_reader

    def _record(self, question: str, understood: str, answer: Answer) -> TurnRecord:
        g = self.gazetteer
        qtype = analyse(understood).qtype
        cite = answer.citations[0] if answer.text is not None and answer.citations else None
        return TurnRecord(
            question, understood, tuple(mentions(understood, g)), answer.text, answer_entity(answer.text, qtype),
            tuple(mentions(cite.quote, g)) if cite else (), cite.doc_id if cite else None,
            tuple(g.subjects_of(cite.doc_id)) if cite else (), qtype,
        )


def _for_turn(answer: Answer, plan: Plan, chosen: Rewrite | None) -> Answer:
    """The chosen reading's answer as this turn's: a turn that needs an earlier one it does not have is not
    answered (the span kept as the candidate); a rewritten turn's abstention says how it was understood."""
    if plan.kind == "dangling" and answer.text is not None:
        return dataclasses.replace(answer, candidate=answer.text, text=None, citations=[], message=DANGLING)
    if plan.kind == "dangling":
        return dataclasses.replace(answer, message=DANGLING)
    if chosen is not None and answer.text is None:
        return dataclasses.replace(answer, message=f"{answer.message or NOT_FOUND}（理解为：{chosen.text}）")
    return answer


@dataclass(frozen=True)
class Reading:
    """One way of reading a turn (as it stands when `rewrite` is None) and its answer, with the checks a rewrite's
    answer must pass to be given (`Conversation._reading`)."""

    rewrite: Rewrite | None
    answer: Answer
    misfit: bool = False
    """The span does not have the shape the rewrite asks for (`qa.reader.answer_shape.unfit`)."""
    evidence: float | None = None
    """The rule reader's evidence score for the rewrite (None: not checked)."""
    elsewhere: bool = False
    """Answered from another article than the previous answer's."""
    unmentioned: bool = False
    """The article the answer comes from never names the rewrite's subject (栾城交警; `named_in`)."""

    @property
    def answers(self) -> bool:
        """Whether the reading's answer is given: the reader answered and, for a rewrite, the span fits it, its
        article mentions the rewrite's subject and the evidence reaches EVIDENCE_GATE."""
        if self.answer.text is None:
            return False
        return not self.misfit and not self.unmentioned and (self.evidence is None or self.evidence >= EVIDENCE_GATE)


def _pick(options: list[Reading], rank_penalty: float) -> tuple[Rewrite | None, Answer]:
    """The reading to answer with: given answers before abstentions, then the score less `rank_penalty` per place
    in the list; the first of equals. A later reading (not the first, most plausible one) answered from another
    article than the previous answer's is not given, and yields even to abstentions that stay (它有多少名辅警？ is
    not answered about another subject from another article because the conversation's article does not say).
    A chosen reading whose answer is not given (see `Reading.answers`) abstains, its span kept as the candidate."""

    def key(item: tuple[int, Reading]) -> tuple[bool, bool, float]:
        rank, reading = item
        stays = rank == 0 or not reading.elsewhere
        return reading.answers and stays, stays, reading.answer.score - rank_penalty * rank

    rank, reading = max(enumerate(options), key=key)
    answer = reading.answer
    if answer.text is not None and not (reading.answers and (rank == 0 or not reading.elsewhere)):
        answer = dataclasses.replace(answer, candidate=answer.text, text=None, citations=[], message=NOT_FOUND)
    return reading.rewrite, answer
