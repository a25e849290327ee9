"""Checks on the dialogue gold set `eval/gold/dialogues.jsonl` over the articles in `seeds/`.

Every gold answer and evidence must be an exact span of the *normalised* article (what the index stores and
cites); the set must cover the five articles and every kind of turn the issue names.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from embeddings.ingest import load_corpus
from embeddings.normalize import normalize_text
from eval.dialogue_gold import Dialogue, load_dialogues
from eval.gold import GoldItem, half_of
from qa.settings import REPO_ROOT

GOLD = REPO_ROOT / "eval" / "gold" / "dialogues.jsonl"
SEEDS = REPO_ROOT / "seeds"


@cache
def article(name: str) -> str:
    return normalize_text((SEEDS / name).read_text(encoding="utf-8"))


def test_every_answer_and_evidence_is_an_exact_span_of_its_normalised_article() -> None:
    problems = []
    for dialogue in load_dialogues(GOLD):
        for turn in dialogue.turns:
            item = turn.item
            if not item.answerable:
                assert item.source is None and item.evidence is None, item.id
                continue
            text = article(item.source)
            problems += [f"{item.id}: answer {a!r} not in {item.source}" for a in item.answers if a not in text]
            if item.evidence is None or item.evidence not in text:
                problems.append(f"{item.id}: evidence not in {item.source}")
            elif not any(a in item.evidence for a in item.answers):
                problems.append(f"{item.id}: no answer inside the evidence")
    assert not problems, "\n".join(problems)


def test_size_shape_and_coverage() -> None:
    dialogues = load_dialogues(GOLD)
    assert len(dialogues) >= 40
    assert all(2 <= len(d.turns) <= 4 for d in dialogues)
    sources = {t.item.source for d in dialogues for t in d.turns if t.item.source}
    assert sources == {p.name for p in SEEDS.glob("*.txt")}
    turns = [t for d in dialogues for t in d.turns]
    kinds = Counter(t.kind for t in turns)
    styles = Counter(t.item.style for t in turns if t.kind == "follow-up")
    assert kinds["first"] == len(dialogues) and kinds["follow-up"] >= 60 and kinds["topic-switch"] >= 15
    assert {"pronoun", "attribute", "implicit", "unanswerable"} <= set(styles) and styles["unanswerable"] >= 5
    assert all(not t.item.answerable for t in turns if t.item.style == "unanswerable")
    # Topic switches to another article (a seed file holds several), and attribute switches on one subject.
    docs = load_corpus([SEEDS]).documents

    def article_of(item: GoldItem) -> str | None:
        return next((d.doc_id for d in docs if item.evidence and item.evidence in d.text), None)

    def before(d: Dialogue, i: int) -> str | None:  # the article of the last answerable turn before turn i
        return next((article_of(t.item) for t in reversed(d.turns[:i]) if t.item.answerable), None)

    switches = [(before(d, i), article_of(t.item)) for d in dialogues for i, t in enumerate(d.turns) if t.kind == "topic-switch"]
    assert sum(1 for before, after in switches if before and after and before != after) >= 10, switches
    assert any(sum(1 for t in d.turns if t.item.style == "attribute") >= 2 for d in dialogues)


def test_both_halves_have_dialogues() -> None:
    halves = Counter(half_of(d.id) for d in load_dialogues(GOLD))
    assert halves["tuning"] >= 15 and halves["report"] >= 15
