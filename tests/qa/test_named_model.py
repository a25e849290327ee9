"""The named-model path: a sentence-transformers model directory given by setting builds and answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.errors import IndexMismatchError

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny real sentence-transformers model (character embeddings + mean pooling) saved to disk."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, WordEmbeddings
    from sentence_transformers.sentence_transformer.modules.tokenizer import WhitespaceTokenizer

    chars = sorted({c for p in SEEDS.glob("*.txt") for c in p.read_text(encoding="utf-8") if "\u4e00" <= c <= "\u9fff"})
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(len(chars), 16)).astype(np.float32)
    embedding = WordEmbeddings(WhitespaceTokenizer(vocab=chars, do_lower_case=False), weights, update_embeddings=False)
    model = SentenceTransformer(modules=[embedding, Pooling(16, "mean")], device="cpu")
    path = tmp_path_factory.mktemp("tiny-model")
    model.save(str(path))
    return path


def test_named_model_directory_builds_and_answers(tiny_model: Path, tmp_path: Path, make_settings) -> None:  # noqa: ANN001
    from qa.pipeline import QAPipeline

    settings = make_settings(tmp_path / "idx", embedding_model=str(tiny_model))
    pipeline = QAPipeline.from_settings(settings)
    assert pipeline.info().encoder == str(tiny_model) and pipeline.info().encoder_dimension == 16
    answer = pipeline.ask("全国地方公安机关共设置了多少个公安派出所？")
    assert answer.encoder == str(tiny_model) and answer.passages

    # The same index asked through the built-in encoder is refused with a rebuild hint.
    from embeddings.store import load_index

    with pytest.raises(IndexMismatchError, match="qa index --rebuild"):
        load_index(settings.index_dir, "wenda-w2v-zh")


def test_unavailable_hub_model_falls_back_to_builtin(tmp_path: Path, make_settings, caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    from qa.pipeline import QAPipeline

    settings = make_settings(tmp_path / "idx", embedding_model="BAAI/bge-small-zh-v1.5-not-cached")
    pipeline = QAPipeline.from_settings(settings)
    assert pipeline.info().encoder == "wenda-w2v-zh"
    assert any("not available offline" in r.message for r in caplog.records)
