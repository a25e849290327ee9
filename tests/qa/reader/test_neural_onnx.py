"""The shipped reader on ONNX Runtime: exported once, the same logits as PyTorch, a broken export is one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.reader.neural.model import DEFAULT_ARTEFACT, ReaderModelError, load_qa_model
from qa.reader.neural.onnx_model import FP32_FILE, OnnxQAModel, export_dir
from qa.reader.neural.windows import make_windows

QUESTION = "莲前派出所辖区面积多大？"
PASSAGE = "厦门市公安局思明分局莲前派出所成立于1997年，辖区面积16平方公里，人口15万多人。" * 3

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def torch_model(model_cache_dir: Path):  # noqa: ANN201
    return load_qa_model(None, model_cache_dir, runtime="torch")


def test_onnx_logits_equal_torch_and_int8_stays_close(torch_model, model_cache_dir: Path) -> None:  # noqa: ANN001
    fp32 = load_qa_model(None, model_cache_dir, runtime="onnx")
    int8 = load_qa_model(None, model_cache_dir, runtime="onnx", quantize=True)
    assert isinstance(fp32, OnnxQAModel) and fp32.runtime == "onnx" and int8.runtime == "onnx-int8"
    assert fp32.manifest == torch_model.manifest  # the policy comes from the same manifest
    w = make_windows(fp32.tokenizer, QUESTION, [PASSAGE, "全国共设置公安派出所4万余个。"])
    assert np.array_equal(w.input_ids, make_windows(torch_model.tokenizer, QUESTION, [PASSAGE, "全国共设置公安派出所4万余个。"]).input_ids)
    ref_start, ref_end = torch_model.logits(w.input_ids, w.attention_mask)
    start, end = fp32.logits(w.input_ids, w.attention_mask)
    real = w.attention_mask.astype(bool)
    assert np.abs(start - ref_start)[real].max() < 1e-3 and np.abs(end - ref_end)[real].max() < 1e-3
    # int8 is an approximation (its accuracy is measured by `python -m eval.tune`, not asserted here): close logits.
    q_start, q_end = int8.logits(w.input_ids, w.attention_mask)
    for got, ref in ((q_start, ref_start), (q_end, ref_end)):
        assert np.corrcoef(got[real], ref[real])[0, 1] > 0.95


def test_a_broken_export_is_one_line_under_onnx_and_torch_answers_under_auto(
    tmp_path: Path, model_cache_dir: Path, torch_model  # noqa: ANN001
) -> None:
    from embeddings.encoders.e5 import E5_DIRNAME

    load_qa_model(None, model_cache_dir, runtime="onnx")  # the good export, made once per session
    cache = tmp_path / "cache"
    (cache / "onnx").mkdir(parents=True)
    (cache / E5_DIRNAME).symlink_to(model_cache_dir / E5_DIRNAME)  # the base model and the encoder export: shared
    (cache / "onnx" / E5_DIRNAME).symlink_to(model_cache_dir / "onnx" / E5_DIRNAME)
    source, broken = export_dir(DEFAULT_ARTEFACT, model_cache_dir, "wenda-e5-small-qa"), export_dir(DEFAULT_ARTEFACT, cache, "wenda-e5-small-qa")
    broken.mkdir()
    for item in source.iterdir():
        if not item.name.endswith(".onnx"):
            (broken / item.name).write_bytes(item.read_bytes())
    (broken / FP32_FILE).write_bytes(b"not onnx")
    with pytest.raises(ReaderModelError, match="ONNX Runtime cannot run it"):
        load_qa_model(None, cache, runtime="onnx")
    fallback = load_qa_model(None, cache, runtime="auto")
    assert fallback.runtime == "torch"
