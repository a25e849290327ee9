"""Regression guard: the product system on the seed gold set must stay above eval/floors.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from eval.runner import PRODUCT, run_eval
from qa.settings import REPO_ROOT, Settings

GOLD = REPO_ROOT / "eval" / "gold" / "seeds.jsonl"
FLOORS = REPO_ROOT / "eval" / "floors.json"
SEEDS = REPO_ROOT / "seeds"


@pytest.mark.slow
def test_seed_metrics_stay_above_floors(tmp_path: Path, make_settings: Callable[..., Settings]) -> None:
    if not GOLD.is_file():
        pytest.skip(f"no seed gold set yet ({GOLD.relative_to(REPO_ROOT)} does not exist)")
    config = json.loads(FLOORS.read_text(encoding="utf-8"))
    floors: dict[str, float] = config["floors"]
    settings = make_settings(tmp_path / "index", [SEEDS])
    report = run_eval(GOLD, settings, systems=[config.get("system", PRODUCT)], progress=False, half=config.get("half"))
    measured = report.systems[0].overall.to_dict()
    assert not report.gold_warnings, "gold records do not match the seed index: " + "; ".join(report.gold_warnings[:5])
    below = {
        name: (measured[name], floor)
        for name, floor in floors.items()
        if measured[name] is not None and measured[name] < floor
    }
    summary = ", ".join(f"{k}={measured[k]:.3f}" for k in floors if measured[k] is not None)
    assert not below, "below floor: " + ", ".join(f"{k} {v:.3f} < {f:.3f}" for k, (v, f) in below.items()) + f" ({summary})"
