"""Question + passage windows: passage offsets are exact characters, long passages overlap by `stride`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.reader.neural.windows import cut_question, make_windows, token_span


@pytest.fixture(scope="module")
def tokenizer(model_cache_dir: Path):  # noqa: ANN201
    from transformers import AutoTokenizer

    from embeddings.encoders.e5 import ensure_e5_model

    return AutoTokenizer.from_pretrained(str(ensure_e5_model(model_cache_dir, progress=False)), local_files_only=True)


def test_offsets_are_characters_of_the_passage(tokenizer) -> None:  # noqa: ANN001
    passage = "厦门莲前派出所辖区面积16平方公里，人口15万多人。 ABC def"
    w = make_windows(tokenizer, "莲前派出所辖区有多少人口？", [passage], max_length=64, stride=16)
    assert len(w) == 1 and w.passage.tolist() == [0]
    ok = w.selectable()[0]
    pieces = [passage[a:b] for a, b in zip(w.starts[0][ok], w.ends[0][ok], strict=True)]
    assert "".join(pieces).replace(" ", "") == passage.replace(" ", "")
    assert not ok[0]  # the first token (no answer) is never a span token
    span = token_span(w, 0, passage.index("16平方公里"), passage.index("16平方公里") + len("16平方公里"))
    assert span is not None
    i, j = span
    assert passage[w.starts[0][i] : w.ends[0][j]] == "16平方公里"


def test_long_passages_become_overlapping_windows(tokenizer) -> None:  # noqa: ANN001
    passage = "。".join(f"第{i}个派出所有{i * 7}名民警" for i in range(60)) + "。"
    w = make_windows(tokenizer, "有多少名民警？", [passage, "短段落。"], max_length=96, stride=32)
    rows = np.flatnonzero(w.passage == 0)
    assert len(rows) > 3 and (w.passage == 1).sum() == 1
    # Neighbouring windows share characters; together they cover the passage.
    for a, b in zip(rows[:-1], rows[1:], strict=True):
        assert w.ends[a].max() > w.starts[b][w.starts[b] >= 0].min()
    assert w.ends[rows[-1]].max() == len(passage)
    assert w.input_ids.shape[1] <= 96


def test_an_answer_cut_by_a_window_edge_is_not_in_that_window(tokenizer) -> None:  # noqa: ANN001
    passage = "。".join(f"第{i}个派出所" for i in range(80))
    w = make_windows(tokenizer, "问题", [passage], max_length=48, stride=8)
    start = passage.index("第40个派出所")
    hits = [r for r in range(len(w)) if token_span(w, r, start, start + 7) is not None]
    assert hits and len(hits) < len(w)


def test_very_long_questions_are_cut(tokenizer) -> None:  # noqa: ANN001
    question = "派出所" * 200
    short = cut_question(tokenizer, question, 10)
    assert question.startswith(short) and len(tokenizer(short, add_special_tokens=False)["input_ids"]) <= 10
    w = make_windows(tokenizer, question, ["莲前派出所辖区面积16平方公里。"], max_length=64, stride=16)
    assert w.selectable().any()


def test_a_bare_tokenizers_file_gives_the_same_windows(tokenizer) -> None:  # noqa: ANN001
    """The ONNX Runtime path tokenises with `tokenizers` alone: its windows equal the fast tokenizer's."""
    from tokenizers import Tokenizer

    bare = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    passages = ["莲前派出所辖区面积16平方公里，人口15万多人。" * 30, "短", "  全国共设置公安派出所4万余个。\n第二行 "]
    for max_length, stride in ((384, 128), (64, 16)):
        a = make_windows(tokenizer, "莲前派出所辖区有多大？", passages, max_length, stride, pad_to=400)
        b = make_windows(bare, "莲前派出所辖区有多大？", passages, max_length, stride, pad_to=400)
        assert len(a) > len(passages)  # the long passage overflowed
        for name in ("input_ids", "attention_mask", "starts", "ends", "passage"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert bare.truncation is None and bare.padding is None  # the shared tokenizer is left as it was
