"""The training command end to end on a few paragraphs: it writes an artefact the reader loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embeddings.settings import REPO_ROOT
from qa.reader.ranker.data import DEFAULT_SOURCES

pytest.importorskip("lightgbm")
pytest.importorskip("opencc")
MISSING = [rel for _name, rel, _trad in DEFAULT_SOURCES if not (REPO_ROOT / rel).is_file()]


@pytest.mark.skipif(bool(MISSING), reason=f"training data not found: {MISSING}")
def test_train_smoke_writes_a_loadable_artefact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qa.cli import main
    from qa.reader.ranker.features import FEATURE_NAMES
    from qa.reader.ranker.model import RankerModel

    out = tmp_path / "ranker"
    assert main(["train-reader", "--limit", "6", "--rounds", "5", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["training_data"]["seed_gold_set_used"] is False
    assert manifest["model"]["trees"] == 5
    assert manifest["split"]["validation"]["paragraphs"] == 6
    model = RankerModel.load(out, expected_features=FEATURE_NAMES)
    assert 0.0 <= model.threshold <= 1.0
    calibration = manifest["calibration"]
    assert calibration["policy"] == "confidence+evidence"
    assert calibration["evidence_gate"] is not None
    assert model.evidence_gate == calibration["evidence_gate"]
    assert "paraphrased_questions" in manifest["validation"]
    printed = capsys.readouterr().out
    assert "no-answer policy" in printed and "paraphrased validation questions" in printed


def test_answer_removed_distractor_keeps_the_topic_and_drops_every_answer_sentence() -> None:
    from qa.reader.ranker.data import Paragraph
    from qa.reader.ranker.train import _answer_removed

    context = ("正阳派出所位于城区中心，辖区内有三个社区和两个商圈。该所成立于1952年，已有70余年历史。"
               "所里共有民警四十名，辅警二十名，每天接待群众上百人次。近年来该所先后获得多项集体荣誉，受到群众好评。")
    p = Paragraph("p1", "正阳派出所", context, "test", "validation")
    start = context.index("1952年")
    removed = _answer_removed(p, ["1952年"], [(start, start + 5)])
    assert removed is not None
    assert "1952年" not in removed.context and "70余年" not in removed.context
    assert removed.context.startswith("正阳派出所位于城区中心，") and "民警四十名" in removed.context
    assert removed.pid != p.pid and removed.title == p.title
    two = context[: start + 5]  # an answer across two sentences takes both with it
    assert _answer_removed(p, [two], [(0, len(two))]) is not None
    assert "辖区" not in _answer_removed(p, [two], [(0, len(two))]).context  # type: ignore[union-attr]
    everything = context[: context.index("近年来")]
    assert _answer_removed(p, [everything], [(0, len(everything))]) is None  # too little left


def test_calibration_compares_both_policies_and_reports_each_kind() -> None:
    import numpy as np

    from qa.reader.ranker.model import CONFIDENCE_FEATURES
    from qa.reader.ranker.train import calibrate

    rng = np.random.default_rng(0)
    n = len(CONFIDENCE_FEATURES)
    rows, distractors = [], []
    for i in range(200):
        good = i % 3 != 0
        x = rng.normal(1.0 if good else -1.0, 0.5, n)
        x[-1] = 1.0
        rows.append({"half": "AB"[i % 2], "conf_x": x.tolist(), "trained_f1": 1.0 if good else 0.0, "rules_score": 0.6})
    for i in range(60):
        x = rng.normal(-1.0, 0.5, n)
        x[-1] = 1.0
        distractors.append({"half": "AB"[i % 2], "conf_x": x.tolist(), "rules_score": 0.1 if i % 4 else 0.6,
                            "kind": "answer_removed" if i % 4 < 2 else "other_paragraph"})
    conf, info = calibrate(rows, distractors)
    assert set(info["policies_half_B"]) == {"confidence", "confidence+evidence"}
    assert info["policy"] in info["policies_half_B"]
    for report in info["policies_half_B"].values():
        assert {"abstention_accuracy_answer_removed", "abstention_accuracy_other_paragraph"} <= set(report)
    # separable data: the chosen policy beats never abstaining
    assert info["half_B"]["f1_all"] > info["half_B"]["f1_all_never_abstain"]
    assert 0.0 < conf(np.array(rows[1]["conf_x"])) <= 1.0
