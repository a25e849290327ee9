"""Loading QA models: any Hugging Face extractive-QA directory plugs in; unusable models are one-line errors and the
factory answers with the rule reader instead."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest
from tiny_qa import build_tiny_qa_model

from embeddings.documents import Document
from qa.reader.evidence import EvidenceScorer
from qa.reader.factory import make_reader
from qa.reader.neural.model import ReaderModelError, load_qa_model
from qa.reader.neural.reader import NeuralReader
from qa.reader.question import analyse
from qa.reader.rules import RuleReader
from qa.types import Passage

ARTICLE = "厦门莲前派出所辖区面积16平方公里，人口15万多人。全国共设置公安派出所4万余个。"


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qa_model(tmp_path_factory.mktemp("tiny-qa"))


def _passage(doc: Document, start: int, end: int) -> Passage:
    return Passage(doc.doc_id, doc.source, doc.title, f"{doc.doc_id}#0", start, end, doc.text[start:end], 1.0)


def test_a_local_hugging_face_qa_model_answers_with_exact_offsets(tiny_dir: Path, model_cache_dir: Path) -> None:
    qa = load_qa_model(str(tiny_dir), model_cache_dir)
    assert load_qa_model(str(tiny_dir), model_cache_dir) is qa  # loaded once per process
    reader = NeuralReader(qa)
    assert reader.name.startswith("neural:") and reader.abstain_threshold == 0.5  # no manifest: the default
    doc = Document("d1", "a.txt", "标题", "前言。" + ARTICLE)
    lo = doc.text.index("全国")
    result = reader.read(analyse("全国共设置多少个派出所？"), [_passage(doc, 0, 8), _passage(doc, lo, len(doc.text))], {"d1": doc})
    assert result is not None
    assert doc.text[result.start : result.end] == "4万"
    assert result.passage.start == lo and result.score > 0.99
    assert result.sentence_start <= result.start < result.end <= result.sentence_end
    assert doc.text[result.sentence_start : result.sentence_end] == "全国共设置公安派出所4万余个。"


def test_a_passage_without_the_year_the_question_names_is_not_answered(tiny_dir: Path, model_cache_dir: Path) -> None:
    from qa.reader.neural.reader import AnswerPolicy

    qa = load_qa_model(str(tiny_dir), model_cache_dir)
    doc = Document("d1", "a.txt", "标题", "2023年，" + ARTICLE)
    passages = [_passage(doc, 0, len(doc.text))]
    asked = NeuralReader(qa).read(analyse("2023年全国共设置多少个派出所？"), passages, {"d1": doc})
    other = NeuralReader(qa).read(analyse("2021年全国共设置多少个派出所？"), passages, {"d1": doc})
    assert asked is not None and not asked.abstained
    assert other is not None and other.abstained and (other.start, other.end) == (asked.start, asked.end)
    assert other.missing_years == ("2021",) and asked.missing_years == ()
    always = NeuralReader(qa, policy=AnswerPolicy(0.0)).read(analyse("2021年全国共设置多少个派出所？"), passages, {"d1": doc})
    assert always is not None and not always.abstained  # threshold 0 (paragraph-given evaluation): always answers


def test_the_misfit_gate_withholds_a_span_of_the_wrong_shape(tiny_dir: Path, model_cache_dir: Path) -> None:
    from qa.reader.neural.reader import AnswerPolicy

    qa = load_qa_model(str(tiny_dir), model_cache_dir)
    doc = Document("d1", "a.txt", "标题", ARTICLE)
    passages = [_passage(doc, 0, len(doc.text))]
    question = analyse("莲前派出所所长是谁？")  # no 所长 in the article: no span can answer it
    policy = AnswerPolicy(0.5, 0.0, None, None, 5.0)
    plain = NeuralReader(qa, policy=policy).read(question, passages, {"d1": doc})
    gated = NeuralReader(qa, policy=dataclasses.replace(policy, misfit_gate=True)).read(question, passages, {"d1": doc})
    assert plain is not None and gated is not None and (plain.start, plain.end) == (gated.start, gated.end)
    assert not plain.abstained and gated.abstained
    always = dataclasses.replace(policy, threshold=0.0, misfit_gate=True)
    kept = NeuralReader(qa, policy=always).read(question, passages, {"d1": doc})
    assert kept is not None and not kept.abstained  # threshold 0 (paragraph-given evaluation): always answers
    fits = NeuralReader(qa, policy=dataclasses.replace(policy, misfit_gate=True)).read(
        analyse("全国共设置多少个派出所？"), passages, {"d1": doc})
    assert fits is not None and not fits.abstained


def test_a_missing_model_is_one_line(tmp_path: Path, model_cache_dir: Path) -> None:
    with pytest.raises(ReaderModelError, match="not a directory"):
        load_qa_model(str(tmp_path / "nowhere"), model_cache_dir)
    with pytest.raises(ReaderModelError, match="not available offline"):
        load_qa_model("no-such-org/no-such-qa-model", model_cache_dir)


def test_a_broken_artefact_falls_back_to_rules(make_settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text(json.dumps({"format": "wenda-qa-delta-v1"}), encoding="utf-8")
    (broken / "weights.safetensors").write_bytes(b"not safetensors")
    settings = make_settings(tmp_path / "index", reader_model=str(broken))
    with caplog.at_level(logging.WARNING):
        reader = make_reader("neural", EvidenceScorer(lambda t: 1.0, {}), settings)
    assert isinstance(reader, RuleReader)
    assert "answering with the rule reader" in caplog.text and "unreadable weights" in caplog.text


def test_the_manifest_policy_sets_threshold_rank_weight_and_evidence_gate() -> None:
    from qa.reader.neural.reader import DEFAULT_THRESHOLD, AnswerPolicy, policy_of

    assert policy_of({}) == AnswerPolicy(DEFAULT_THRESHOLD, 0.0, None)
    assert policy_of({"calibration": {"threshold": 0.8}}) == AnswerPolicy(0.8, 0.0, None)
    fitted = {"calibration": {"threshold": 0.8}, "policy": {"threshold": 0.6, "rank_weight": 1.0, "evidence_threshold": 0.2}}
    assert policy_of(fitted) == AnswerPolicy(0.6, 1.0, 0.2)  # the seed-tuned policy wins over the validation one
    assert policy_of({"policy": {"type_penalty": 5.0, "misfit_gate": True}}).misfit_gate
    assert not policy_of(fitted).misfit_gate and policy_of(fitted).stop_margin is None
    assert policy_of({"policy": {"stop_margin": 4}}).stop_margin == 4.0


def test_an_evidence_gate_scores_the_evidence_with_the_rule_reader(tiny_dir: Path, model_cache_dir: Path) -> None:
    from qa.reader.neural.reader import AnswerPolicy

    qa = load_qa_model(str(tiny_dir), model_cache_dir)
    doc = Document("d1", "a.txt", "标题", ARTICLE)
    passages = [_passage(doc, 0, len(doc.text))]
    question = analyse("全国共设置多少个派出所？")
    plain = NeuralReader(qa).read(question, passages, {"d1": doc})
    assert plain is not None and plain.evidence is None
    rules = RuleReader(EvidenceScorer(lambda t: 1.0, {}))
    gated = NeuralReader(qa, policy=AnswerPolicy(0.5, 0.0, 0.3), evidence=rules)
    result = gated.read(question, passages, {"d1": doc})
    expected = rules.read(question, passages, {"d1": doc})
    assert result is not None and expected is not None and gated.evidence_threshold == 0.3
    assert result.evidence == expected.score and (result.start, result.end) == (plain.start, plain.end)


def test_write_policy_keeps_the_rest_of_the_manifest(tmp_path: Path) -> None:
    from qa.reader.neural.model import read_manifest, write_policy
    from qa.reader.neural.reader import policy_of

    (tmp_path / "manifest.json").write_text(json.dumps({"format": "wenda-qa-delta-v1", "calibration": {"threshold": 0.9}}), encoding="utf-8")
    write_policy(tmp_path, {"threshold": 0.4, "rank_weight": 0.5, "evidence_threshold": None})
    manifest = read_manifest(tmp_path)
    assert manifest["calibration"] == {"threshold": 0.9} and policy_of(manifest).threshold == 0.4
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


class _CountingModel:
    """A QA model that records the batch size of every forward pass."""

    def __init__(self, qa: object) -> None:
        self.qa, self.batches = qa, []

    def __getattr__(self, name: str) -> object:
        return getattr(self.qa, name)

    def logits(self, input_ids, attention_mask):  # noqa: ANN001, ANN201  (numpy arrays, as QAModel.logits)
        self.batches.append(len(input_ids))
        return self.qa.logits(input_ids, attention_mask)


def test_a_sure_first_window_is_read_alone(tiny_dir: Path, model_cache_dir: Path) -> None:
    from qa.reader.neural.reader import AnswerPolicy

    doc = Document("d1", "a.txt", "标题", ARTICLE + "派出所是公安机关的派出机构。")
    passages = [_passage(doc, 0, len(ARTICLE)), _passage(doc, len(ARTICLE), len(doc.text))]
    question = analyse("什么是派出所？")

    def read(stop: float | None) -> tuple[list[int], tuple[int, int] | None]:
        counting = _CountingModel(load_qa_model(str(tiny_dir), model_cache_dir))
        result = NeuralReader(counting, policy=AnswerPolicy(0.0, stop_margin=stop)).read(question, passages, {"d1": doc})  # type: ignore[arg-type]
        return counting.batches, None if result is None else (result.start, result.end)

    every, answer = read(None)
    assert every == [2] and answer is not None  # both windows in one batch
    assert read(-1e9)[0] == [1]  # the first window is sure of itself: the second is never read
    unsure, same = read(1e9)
    assert unsure == [1, 1] and same == answer  # not sure: the rest is read and the answer is the same
