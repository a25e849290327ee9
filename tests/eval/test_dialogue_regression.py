"""Regression guard: the dialogue logic over the seed articles must stay above eval/dialogue_floors.json.

Run with the rule reader, which every checkout has, so that the floors guard the conversation (detection,
rewrites, choice between them) and not the state of a model artefact."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eval.dialogues import run_dialogues
from qa.settings import REPO_ROOT

GOLD = REPO_ROOT / "eval" / "gold" / "dialogues.jsonl"
FLOORS = REPO_ROOT / "eval" / "dialogue_floors.json"


@pytest.mark.slow
def test_dialogue_metrics_stay_above_floors(seed_pipeline: Any) -> None:
    config = json.loads(FLOORS.read_text(encoding="utf-8"))
    report = run_dialogues(GOLD, None, pipe=seed_pipeline, systems=[config["system"]], progress=False, alone=("first",))
    system = report.systems[0]
    kinds = system.by("kind")
    measured = {
        "follow_up_accuracy": system.follow_up_accuracy,
        "follow_up_recognised": kinds["follow-up"].recognised,
        "topic_switch_accuracy": system.topic_switch_accuracy,
        "f1": system.overall.f1,
    }
    first = kinds["first"]
    assert (first.em, first.f1) == (first.alone_em, first.alone_f1), "first turns differ from the same questions alone"
    below = {k: (measured[k], floor) for k, floor in config["floors"].items() if measured[k] < floor}
    summary = ", ".join(f"{k}={v:.3f}" for k, v in measured.items())
    assert not below, "below floor: " + ", ".join(f"{k} {v:.3f} < {f:.3f}" for k, (v, f) in below.items()) + f" ({summary})"
