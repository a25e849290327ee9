"""Index robustness: damaged pointers and manifests, one read of CURRENT, leftovers of killed builds, checksums."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from embeddings import versions
from embeddings.errors import IndexCorruptError, IndexLocationError
from embeddings.store import FORMAT_VERSION, build_index, current_version, load_index

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
    for path in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(path, folder / path.name)
    return folder


def build(settings, encoder, **kw):  # noqa: ANN001, ANN201
    return build_index(settings, encoder_factory=lambda: encoder, **kw)


@pytest.mark.parametrize("pointer", [b"", b"\n", b"\xff\xfe\x00v", b"../elsewhere"])
def test_damaged_pointer_is_an_error_and_a_rebuild_repairs_it(
    tmp_path: Path, corpus: Path, encoder, make_settings, pointer: bytes  # noqa: ANN001
) -> None:
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    (settings.index_dir / "CURRENT").write_bytes(pointer)
    with pytest.raises(IndexCorruptError, match="qa index --rebuild"):
        load_index(settings.index_dir, encoder.info.name)
    versions_before = sorted(p.name for p in settings.index_dir.glob("v-*"))
    build(settings, encoder, rebuild=True)
    assert load_index(settings.index_dir, encoder.info.name).dense.ntotal > 0
    versions = sorted(p.name for p in settings.index_dir.glob("v-*"))
    assert current_version(settings.index_dir).name in versions and len(versions) <= 2, (versions_before, versions)
    # A plain update over a damaged pointer rebuilds too.
    (settings.index_dir / "CURRENT").write_bytes(pointer)
    assert not build(settings, encoder).up_to_date
    assert load_index(settings.index_dir, encoder.info.name).dense.ntotal > 0


def test_load_reads_the_pointer_once(tmp_path: Path, corpus: Path, encoder, make_settings, monkeypatch) -> None:  # noqa: ANN001
    """A commit switching CURRENT while a reader loads must not mix the old manifest with the new files."""
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    old = current_version(settings.index_dir)
    (corpus / "extra.txt").write_text("新文章：某派出所开展了夜间巡逻，共出动警力二十人次。" * 30, encoding="utf-8")
    build(settings, encoder)
    new = current_version(settings.index_dir)
    assert old.is_dir() and new != old
    (settings.index_dir / "CURRENT").write_text(old.name, encoding="utf-8")

    real = versions.current_version
    calls = []

    def racing(index_dir: Path) -> Path | None:
        version = real(index_dir)
        calls.append(version)
        (index_dir / "CURRENT").write_text(new.name, encoding="utf-8")  # a writer commits right after this read
        return version

    monkeypatch.setattr(versions, "current_version", racing)
    index = load_index(settings.index_dir, encoder.info.name)
    assert len(calls) == 1 and index.path == old
    assert len(index.chunks) == index.dense.ntotal == index.bm25.size


def test_build_removes_leftovers_of_killed_builds(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    idx = settings.index_dir
    active = current_version(idx)
    for n in range(3):  # what kill -9 leaves: pointer temp files, half-written and finished-but-unswitched versions
        (idx / f".CURRENT-dead{n}").write_text("v-x", encoding="utf-8")
        (idx / f".tmp-v-2000010{n}T000000-dead").mkdir()
        (idx / f".tmp-v-2000010{n}T000000-dead" / "vectors.npy").write_bytes(b"x" * 1000)
        shutil.copytree(active, idx / f"v-2000010{n}T000000-orphan{n}")
    report = build(settings, encoder)
    assert report.up_to_date
    names = sorted(p.name for p in idx.iterdir())
    assert not [n for n in names if n.startswith((".CURRENT-", ".tmp-"))], names
    versions = [n for n in names if n.startswith("v-")]
    assert active.name in versions and len(versions) <= 2, versions
    assert load_index(idx, encoder.info.name).path == active


@pytest.mark.parametrize(
    "name", ["dense.faiss", "bm25_data.npy", "bm25_indices.npy", "bm25_vocab.json", "vectors.npy", "chunk_spans.npy", "doc_text.strs"]
)
def test_damaged_file_is_noticed_and_rebuilt(tmp_path: Path, corpus: Path, encoder, make_settings, name: str) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    first = build(settings, encoder)
    path = current_version(settings.index_dir) / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit: same size, other content
    path.write_bytes(bytes(data))
    report = build(settings, encoder)
    assert not report.up_to_date and [n for n, _ in report.repaired] == [name]
    assert "checksum" in report.repaired[0][1]
    if name == "dense.faiss" or name.startswith("bm25_"):
        assert report.encoded_chunks == 0  # derived files are rebuilt from the stored chunks and vectors
    index = load_index(settings.index_dir, encoder.info.name)
    assert len(index.chunks) == first.chunks == index.dense.ntotal == index.bm25.size
    assert build(settings, encoder).up_to_date


def test_truncated_file_fails_on_load_with_one_line(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    path = current_version(settings.index_dir) / "bm25_indices.npy"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexCorruptError, match=r"bm25_indices\.npy .*bytes.*with: qa index --index-dir") as caught:
        load_index(settings.index_dir, encoder.info.name)
    assert "\n" not in str(caught.value)


def test_truncated_npz_without_size_records_is_a_corrupt_index(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    version = current_version(settings.index_dir)
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("artifacts", None)  # an index written before sizes were recorded
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name in ("bm25_data.npy", "doc_text.strs"):
        path = version / name
        path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match="damaged"):
        load_index(settings.index_dir, encoder.info.name)


@pytest.mark.parametrize("manifest", ["[1, 2, 3]", '"text"', f'{{"format_version": {FORMAT_VERSION}, "encoder": {{"name": "wenda-w2v-zh"}}}}'])
def test_malformed_manifest_is_a_corrupt_index(tmp_path: Path, corpus: Path, encoder, make_settings, manifest: str) -> None:  # noqa: ANN001
    settings = make_settings(tmp_path / "idx", [corpus])
    build(settings, encoder)
    (current_version(settings.index_dir) / "manifest.json").write_text(manifest, encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="rebuild"):
        load_index(settings.index_dir, encoder.info.name)
    assert not build(settings, encoder).up_to_date  # a plain `qa index` repairs it
    assert load_index(settings.index_dir, encoder.info.name).dense.ntotal > 0


def test_index_dir_that_is_a_file_or_cannot_be_created(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(IndexLocationError, match="not a folder"):
        build(make_settings(a_file, [corpus]), encoder)
    with pytest.raises(IndexLocationError, match="cannot be created"):
        build(make_settings(Path("/proc/wenda-test/idx"), [corpus]), encoder)
    assert a_file.read_text(encoding="utf-8") == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_index_dir(tmp_path: Path, corpus: Path, encoder, make_settings) -> None:  # noqa: ANN001
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o500)
    with pytest.raises(IndexLocationError):
        build(make_settings(locked / "idx", [corpus]), encoder)
