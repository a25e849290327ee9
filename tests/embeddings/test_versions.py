"""The index folder: the CURRENT pointer, the write lock, leftovers of killed builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.errors import IndexCorruptError, IndexNotFoundError
from embeddings.versions import active_version, clean_stale, current_version


def test_no_pointer_means_no_index_and_a_damaged_one_is_corrupt(tmp_path: Path) -> None:
    assert current_version(tmp_path) is None
    with pytest.raises(IndexNotFoundError, match="qa index"):
        active_version(tmp_path)
    (tmp_path / "CURRENT").write_text("../elsewhere", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="damaged"):
        current_version(tmp_path)


def test_clean_stale_keeps_the_active_and_the_newest_other_version(tmp_path: Path) -> None:
    for name in ("v-1", "v-2", "v-3", ".tmp-v-4"):
        (tmp_path / name).mkdir()
    (tmp_path / ".CURRENT-x").write_text("v-9", encoding="utf-8")
    (tmp_path / "CURRENT").write_text("v-1", encoding="utf-8")
    assert sorted(clean_stale(tmp_path)) == [".CURRENT-x", ".tmp-v-4", "v-2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "v-1", "v-3"]
