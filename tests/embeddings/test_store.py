"""The on-disk index: incremental builds, manifest checks, atomic writes, locking, corruption."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from embeddings import store, versions
from embeddings.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError
from embeddings.store import build_index, current_version, load_index, read_manifest, write_lock

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def encoder(model_cache_dir: Path):  # noqa: ANN201
    from embeddings.encoders import load_encoder
    from embeddings.settings import BUILTIN_ENCODER

    return load_encoder(BUILTIN_ENCODER, model_cache_dir)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in sorted(SEEDS.glob("*.txt"))[:3]:
        shutil.copy(path, folder / path.name)
    return folder


def build(settings, encoder, **kw):  # noqa: ANN001, ANN201
    return build_index(settings, encoder_factory=lambda: encoder, **kw)


def test_build_load_and_incremental_update(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    first = build(settings, encoder)
    assert len(first.added) == 3 and first.encoded_chunks == first.chunks > 0
    index = load_index(settings.index_dir, encoder.info.name)
    assert index.dense.ntotal == index.bm25.size == len(index.chunks) == first.chunks
    for chunk in index.chunks:
        assert index.doc_by_id[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text

    again = build(settings, encoder)
    assert again.up_to_date and again.encoded_chunks == 0

    # One file changed, one removed, one added: only the changed and new files are encoded.
    files = sorted(corpus.glob("*.txt"))
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\n\n新增的一段：派出所新添了一辆巡逻车。", encoding="utf-8")
    files[1].unlink()
    shutil.copy(sorted(SEEDS.glob("*.txt"))[4], corpus)
    update = build(settings, encoder)
    assert update.changed == [files[0].name] and update.removed == [files[1].name] and len(update.added) == 1
    assert update.unchanged == [files[2].name]
    unchanged_chunks = sum(1 for c in load_index(settings.index_dir, encoder.info.name).chunks if c.doc_id.startswith(files[2].stem))
    assert update.encoded_chunks == update.chunks - unchanged_chunks
    updated = load_index(settings.index_dir, encoder.info.name)
    assert not any(d.source == files[1].name for d in updated.documents)
    assert any("巡逻车" in d.text for d in updated.documents)

    # The reused vectors are the same as a fresh build's.
    fresh = make_settings(tmp_path / "fresh", [corpus])
    build(fresh, encoder)
    import numpy as np

    a = np.load(current_version(settings.index_dir) / "vectors.npy")
    b = np.load(current_version(fresh.index_dir) / "vectors.npy")
    assert a.shape == b.shape and np.allclose(a, b, atol=1e-5)
    # ... and so are the reused token lists (the BM25 weights of both builds agree).
    reused, rebuilt = load_index(settings.index_dir, encoder.info.name).bm25, load_index(fresh.index_dir, encoder.info.name).bm25
    assert reused.vocab.keys() == rebuilt.vocab.keys() and reused.size == rebuilt.size
    order = [rebuilt.vocab[t] for t in sorted(reused.vocab, key=reused.vocab.__getitem__)]
    assert abs(reused.weights - rebuilt.weights[:, order]).max() < 1e-5


def test_loaded_index_maps_its_files(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    """Loading keeps records and postings on disk (memory maps), and decodes a chunk only when it is read."""
    import mmap

    import numpy as np

    from embeddings.records import ChunkTable, DocumentTable

    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    index = load_index(settings.index_dir, encoder.info.name)
    assert isinstance(index.chunks, ChunkTable) and isinstance(index.documents, DocumentTable)
    for array in (index.bm25.weights.data, index.bm25.weights.indices, index.bm25.weights.indptr):
        bases = [array]
        while getattr(bases[-1], "base", None) is not None:
            bases.append(bases[-1].base)
        assert any(isinstance(b, (np.memmap, mmap.mmap)) for b in bases), bases
    chunk = index.chunks[len(index.chunks) - 1]
    assert chunk.tokens == [] and index.doc_by_id[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text
    assert sorted(index.doc_by_id) == sorted(d.doc_id for d in index.documents)


def test_manifest_records_setup(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    manifest = read_manifest(settings.index_dir)
    assert manifest["format_version"] == store.FORMAT_VERSION
    assert manifest["encoder"]["name"] == encoder.info.name and manifest["encoder"]["dimension"] == encoder.info.dimension
    assert manifest["chunking"] == {"size": 300, "max": 350, "overlap": 1}
    assert manifest["dense"]["type"] == "flat"
    assert len(manifest["files"]) == 3


def test_mismatched_encoder_or_format_fails_clearly(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    with pytest.raises(IndexMismatchError, match="rebuild with: qa index --rebuild"):
        load_index(settings.index_dir, "some-other/model")
    manifest_path = current_version(settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["format_version"] = 0
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="format version 0"):
        load_index(settings.index_dir, encoder.info.name)


def test_missing_and_corrupt_index(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    with pytest.raises(IndexNotFoundError, match="qa index"):
        load_index(tmp_path / "none", encoder.info.name)
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    (current_version(settings.index_dir) / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="rebuild"):
        load_index(settings.index_dir, encoder.info.name)
    # A rebuild over a corrupt index repairs it.
    build(settings, encoder, rebuild=True)
    assert load_index(settings.index_dir, encoder.info.name).dense.ntotal > 0


def test_crash_during_write_keeps_previous_index(tmp_path: Path, corpus: Path, encoder, make_settings, monkeypatch) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    before = current_version(settings.index_dir)
    (corpus / "new.txt").write_text("新文章：某派出所开展了夜间巡逻。", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(versions, "save_dense", boom)
    with pytest.raises(OSError, match="disk full"):
        build(settings, encoder)
    assert current_version(settings.index_dir) == before
    assert not [p for p in settings.index_dir.iterdir() if p.name.startswith(".tmp-")]
    assert not any(d.source == "new.txt" for d in load_index(settings.index_dir, encoder.info.name).documents)


def test_concurrent_writers_are_serialised(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    with (
        write_lock(settings.index_dir),
        pytest.raises(IndexLockedError, match="another process"),
        write_lock(settings.index_dir, wait_s=0.3),
    ):
        pass
    errors: list[BaseException] = []

    def run() -> None:
        try:
            build(settings, encoder)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    index = load_index(settings.index_dir, encoder.info.name)
    assert index.dense.ntotal == len(index.chunks)
    versions = [p for p in settings.index_dir.iterdir() if p.name.startswith("v-")]
    assert 1 <= len(versions) <= 2
