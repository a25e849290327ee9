"""Choosing the reader: the neural one by default, the rules when its model is unusable, thresholds per reader."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from qa.reader.evidence import EvidenceScorer
from qa.reader.factory import make_reader
from qa.reader.neural.reader import NeuralReader
from qa.reader.rules import RULES_ABSTAIN_THRESHOLD, RuleReader, SentenceReader


def _scorer() -> EvidenceScorer:
    return EvidenceScorer(lambda term: 1.0, {})


def test_named_readers(make_settings, tmp_path: Path) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "index")
    neural = make_reader("neural", _scorer(), settings)
    assert isinstance(neural, NeuralReader) and neural.name == "neural"
    policy = neural.qa.manifest.get("policy") or neural.qa.manifest["calibration"]  # seed-tuned, else validation
    assert 0.0 < neural.abstain_threshold < 1.0 and neural.abstain_threshold == policy["threshold"]
    assert isinstance(make_reader("rules", _scorer(), settings), RuleReader)
    assert isinstance(make_reader("sentence", _scorer(), settings), SentenceReader)
    with pytest.raises(ValueError, match="unknown reader"):
        make_reader("oracle", _scorer(), settings)


def test_unusable_model_falls_back_to_rules(make_settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    broken = tmp_path / "broken-reader"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    (broken / "weights.safetensors").write_bytes(b"")
    settings = make_settings(tmp_path / "index", reader_model=str(broken))
    with caplog.at_level(logging.WARNING):
        reader = make_reader("neural", _scorer(), settings)
    assert isinstance(reader, RuleReader)
    assert "answering with the rule reader" in caplog.text and str(broken) in caplog.text


def test_pipeline_uses_the_readers_threshold_unless_configured(seed_pipeline) -> None:  # noqa: ANN001
    assert seed_pipeline.reader_name == "neural"
    assert seed_pipeline.info().abstain_threshold == seed_pipeline.reader.abstain_threshold
    rules = seed_pipeline.with_options(reader="rules")
    assert rules.reader_name == "rules" and rules.abstain_threshold == RULES_ABSTAIN_THRESHOLD
    strict = type(seed_pipeline)(
        seed_pipeline.settings.with_overrides(abstain_threshold=1.01), seed_pipeline.index, seed_pipeline.encoder,
        codes=seed_pipeline.codes,
    )
    answer = strict.ask("全国地方公安机关共设置了多少个公安派出所？")
    assert answer.text is None and answer.candidate  # abstained at a threshold no score reaches, candidate kept
