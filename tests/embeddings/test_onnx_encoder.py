"""wenda-e5-small on ONNX Runtime gives the sentence-transformers embeddings, without importing torch to answer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders.loader import load_encoder

pytest.importorskip("onnxruntime")

TEXTS = ["厦门市公安局思明分局莲前派出所辖区面积16平方公里。" * 40, "短", " 前后有空格 ", "派出所\n\n在哪里？", ""]


def test_onnx_embeddings_equal_sentence_transformers(model_cache_dir: Path) -> None:
    onnx = load_encoder("wenda-e5-small", model_cache_dir, "onnx")
    st = load_encoder("wenda-e5-small", model_cache_dir, "sentence-transformers")
    assert onnx.info.backend == "onnx" and st.info.backend == "sentence-transformers"
    assert onnx.dimension == st.dimension == 384
    for query in (False, True):
        a, b = onnx.encode(TEXTS, batch_size=2, query=query), st.encode(TEXTS, query=query)
        assert a.shape == b.shape == (len(TEXTS), 384) and a.dtype == np.float32
        assert float((a * b).sum(axis=1).min()) >= 0.9999
    assert float(onnx.encode(["莲前派出所"], query=True)[0] @ onnx.encode(["莲前派出所"])[0]) < 0.9999  # prompts differ


def test_answering_imports_neither_torch_nor_sentence_transformers(seed_pipeline, model_cache_dir: Path) -> None:  # noqa: ANN001
    """A fresh process over the built seed index (exports already in the cache) answers without torch."""
    code = (
        "import sys\n"
        "from qa import Settings\n"
        "from qa.pipeline import QAPipeline\n"
        f"s = Settings(index_dir={str(seed_pipeline.settings.index_dir)!r}, model_cache_dir={str(model_cache_dir)!r})\n"
        "pipe = QAPipeline.from_settings(s, build_if_missing=False)\n"
        "a = pipe.ask('全国地方公安机关共设置了多少个公安派出所？')\n"
        "assert a.text, a\n"
        "heavy = sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)\n"
        "print(pipe.reader_name, pipe.encoder.info.backend, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip().endswith("neural onnx []"), out.stdout + out.stderr
