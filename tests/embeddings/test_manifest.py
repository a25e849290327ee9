"""The manifest checks shared by both backends: format and encoder compatibility, file records."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.errors import IndexCorruptError, IndexMismatchError
from embeddings.manifest import (
    DATA_FILES,
    FORMAT_VERSION,
    artifact_table,
    check_compatible,
    check_shape,
    verify_files,
)


def test_another_format_or_encoder_is_refused_with_the_rebuild_command(tmp_path: Path) -> None:
    manifest = {"format_version": FORMAT_VERSION, "encoder": {"name": "wenda-e5-small"}}
    check_compatible(manifest, "wenda-e5-small", tmp_path)
    with pytest.raises(IndexMismatchError, match="qa index --rebuild"):
        check_compatible({**manifest, "format_version": 1}, "wenda-e5-small", tmp_path)
    with pytest.raises(IndexMismatchError, match="other-model"):
        check_compatible(manifest, "other-model", tmp_path)


def test_a_manifest_without_counts_is_corrupt(tmp_path: Path) -> None:
    with pytest.raises(IndexCorruptError, match="lacks 'counts'"):
        check_shape({"encoder": {"name": "x", "dimension": 4}, "dense": {"type": "flat", "params": {}}}, tmp_path)


def test_file_records_catch_missing_resized_and_changed_files(tmp_path: Path) -> None:
    for name in DATA_FILES:
        (tmp_path / name).write_bytes(b"abc")
    manifest = {"artifacts": artifact_table(tmp_path)}
    assert verify_files(tmp_path, manifest, checksums=True) == []
    first, second, third = DATA_FILES[:3]
    (tmp_path / first).unlink()
    (tmp_path / second).write_bytes(b"abcd")
    (tmp_path / third).write_bytes(b"xyz")
    damaged = dict(verify_files(tmp_path, manifest, checksums=True))
    assert damaged[first] == "missing" and "4 bytes" in damaged[second] and damaged[third] == "checksum mismatch"
    assert third not in dict(verify_files(tmp_path, manifest, checksums=False))  # sizes only on every load
