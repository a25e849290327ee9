"""The dialogue evaluation: real index of a tiny corpus, every dialogue through Conversation, scored per turn."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from eval.cli import add_arguments
from eval.dialogue_gold import load_dialogues, parse_dialogue
from eval.dialogue_report import console_dialogue_summary
from eval.dialogues import run_dialogues
from eval.gold import GoldError
from qa import Settings

DIALOGUES = [
    {"id": "d1", "turns": [
        {"question": "武汉长江第七大桥什么时候建成通车？", "answers": ["2019年10月8日"], "source": "bridge.txt",
         "evidence": "武汉长江第七大桥于2019年10月8日正式建成通车。", "type": "date", "kind": "first",
         "subject": "武汉长江第七大桥"},
        {"question": "它的主跨有多长？", "answers": ["1700米"], "source": "bridge.txt", "evidence": "主跨达到1700米",
         "type": "number", "kind": "follow-up", "style": "pronoun", "subject": "长江第七大桥"},
        {"question": "杭州图书馆的馆长是谁？", "answers": ["王丽华"], "source": "library.txt", "evidence": "馆长王丽华说",
         "type": "person", "kind": "topic-switch", "subject": "杭州图书馆"},
    ]},
    {"id": "d2", "turns": [
        {"question": "2022年福建茶叶出口了多少？", "answers": ["3.2万吨"], "source": "tea.txt",
         "evidence": "2022年福建省茶叶出口量达到3.2万吨", "type": "number", "kind": "first"},
        {"question": "它的价格是多少？", "answers": [], "type": "unanswerable", "kind": "follow-up",
         "style": "unanswerable"},
    ]},
]


@pytest.fixture
def dialogue_file(tmp_path: Path) -> Path:
    path = tmp_path / "dialogues.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in DIALOGUES), encoding="utf-8")
    return path


def test_the_schema_is_checked() -> None:
    with pytest.raises(GoldError, match="2 to 4 turns"):
        parse_dialogue({"id": "x", "turns": DIALOGUES[0]["turns"][:1]})
    with pytest.raises(GoldError, match="'first'"):
        parse_dialogue({"id": "x", "turns": list(reversed(DIALOGUES[0]["turns"]))})


def test_every_turn_is_scored_through_the_conversation(
    dialogue_file: Path, tiny_corpus: Path, tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(tmp_path / "index", [tiny_corpus])
    report = run_dialogues(dialogue_file, settings, systems=["hybrid+rules"], out_dir=tmp_path / "out", progress=False)
    system = report.systems[0]
    assert report.dialogues == 2 and report.turns == 5 and system.reader == "rules"
    turns = {(t.dialogue, t.turn): t for t in system.turns}
    follow = turns[("d1", 2)]
    assert follow.understood_as and "长江第七大桥" in follow.understood_as and follow.recognised
    assert follow.chat.doc_id == "bridge" and follow.chat.right == (follow.chat.f1 >= 0.8)
    unanswerable = turns[("d2", 2)]
    assert unanswerable.chat.right == (unanswerable.chat.predicted is None) and unanswerable.chat.f1 == float(unanswerable.chat.right)
    switch = turns[("d1", 3)]
    assert switch.understood_as is None and switch.recognised and switch.chat.predicted == "王丽华"
    first = system.by("kind")["first"]
    assert first.n == 2 and (first.em, first.f1) == (first.alone_em, first.alone_f1)
    assert system.topic_switch_accuracy == 1.0
    written = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert written["systems"][0]["turns"][1]["understood_as"] == follow.understood_as
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| follow-up |" in md and "understood as" in md
    summary = console_dialogue_summary(report)
    assert "follow-up accuracy" in summary and "topic switches taken as new topics 100.0 %" in summary


def test_cli_takes_a_dialogue_file() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--dialogues", "eval/gold/dialogues.jsonl", "--half", "report"])
    assert args.dialogues == Path("eval/gold/dialogues.jsonl") and args.half == "report"
    assert len(load_dialogues("eval/gold/dialogues.jsonl")) >= 40
