"""String columns: round trip, laziness and damage."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.columns import StringColumn, write_strings

TEXTS = ["", "派出所", "a\nb\x00c", "𠮷野家 emoji 🚓", "x" * 10_000]


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "c.strs"
    assert write_strings(path, iter(TEXTS)) == len(TEXTS)
    column = StringColumn(path)
    assert len(column) == len(TEXTS)
    assert list(column) == TEXTS
    assert column[-1] == TEXTS[-1] and column[1:3] == TEXTS[1:3]
    with pytest.raises(IndexError):
        column[len(TEXTS)]


def test_empty_column(tmp_path: Path) -> None:
    path = tmp_path / "e.strs"
    write_strings(path, [])
    assert len(StringColumn(path)) == 0 and list(StringColumn(path)) == []


@pytest.mark.parametrize("damage", ["truncate", "trailer", "offsets", "short"])
def test_damaged_column_is_a_value_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "d.strs"
    write_strings(path, TEXTS)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) - 20]
    elif damage == "trailer":
        data[-1] ^= 0xFF
    elif damage == "offsets":
        table = len(data) - 16 - 8 * (len(TEXTS) + 1)
        data[table + 8 * 2 : table + 8 * 3] = (10**9).to_bytes(8, "little")  # an offset past the data
    else:
        data = data[:10]
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="d.strs"):
        StringColumn(path)
