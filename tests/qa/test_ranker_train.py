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
    assert "calibrated abstention threshold" in capsys.readouterr().out
