"""Columns of strings on disk, read through a memory map: the i-th string is decoded only when asked for.

Layout of one `.strs` file: the UTF-8 bytes of every string back to back, zero padding to a multiple of 8,
`count + 1` little-endian uint64 offsets (string i is `data[offsets[i]:offsets[i + 1]]`), then `count` as a
uint64 and the 8-byte magic. Offsets come last so a column is written in one streaming pass, and opening one
reads 16 bytes and maps the rest: no per-string Python object exists until a string is used.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar, overload

import numpy as np

MAGIC = b"WSTRCOL1"
_U64 = np.dtype("<u8")
T = TypeVar("T")


class LazySequence(Sequence[T]):
    """A sequence whose items are made on access by `_item(i)` (indexes checked, slices and negatives handled)."""

    def _item(self, i: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        n = len(self)
        if isinstance(i, slice):
            return [self._item(j) for j in range(*i.indices(n))]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"item {i} of {n}")
        return self._item(i)

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self)):
            yield self._item(i)


def write_strings(path: Path, strings: Iterable[str]) -> int:
    """Write `strings` as a column file at `path`; returns how many were written."""
    offsets = [0]
    with open(path, "wb") as handle:
        for text in strings:
            data = text.encode("utf-8")
            handle.write(data)
            offsets.append(offsets[-1] + len(data))
        handle.write(b"\0" * (-offsets[-1] % 8))
        handle.write(np.asarray(offsets, dtype=_U64).tobytes())
        handle.write(np.asarray([len(offsets) - 1], dtype=_U64).tobytes())
        handle.write(MAGIC)
    return len(offsets) - 1


class StringColumn(LazySequence[str]):
    """A read-only, memory-mapped column file (thread-safe: nothing is mutated after opening)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            if size < 24:
                raise ValueError(f"{path.name}: {size} bytes, too short for a string column")
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[size - 8 :] != MAGIC:
            raise ValueError(f"{path.name}: not a string column (bad trailer)")
        count = int(np.frombuffer(self._map, dtype=_U64, count=1, offset=size - 16)[0])
        table_at = size - 16 - 8 * (count + 1)
        if count >= size or table_at < 0 or table_at % 8:
            raise ValueError(f"{path.name}: damaged string column (count {count} for {size} bytes)")
        self._offsets = np.frombuffer(self._map, dtype=_U64, count=count + 1, offset=table_at)
        ends = self._offsets
        if ends[0] != 0 or int(ends[-1]) > table_at or int(ends[-1]) + 8 <= table_at or bool(np.any(ends[1:] < ends[:-1])):
            raise ValueError(f"{path.name}: damaged string column (offsets out of order or out of range)")
        self._count = count

    def __len__(self) -> int:
        return self._count

    def _item(self, i: int) -> str:
        lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
        return self._map[lo:hi].decode("utf-8")
