"""The index folder: the CURRENT pointer to the active version folder, the atomic write of a new version and
the switch to it, the write lock, and the removal of what killed builds left behind (see `embeddings.store`
for the layout)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.bm25 import BM25Index
from embeddings.documents import Chunk, Document
from embeddings.errors import IndexCorruptError, IndexLocationError, IndexNotFoundError
from embeddings.locks import exclusive
from embeddings.manifest import DATA_FILES, artifact_table, read_manifest_file, rebuild_hint
from embeddings.records import write_records
from embeddings.vector_index import save_dense

log = logging.getLogger(__name__)

VERSION_FILES = ("manifest.json", *DATA_FILES)
"""Every file of a version folder, each fsynced before the folder is switched in."""


def current_version(index_dir: Path) -> Path | None:
    """The active version folder, or None when no index was ever completed here (CURRENT is read once)."""
    pointer = index_dir / "CURRENT"
    try:
        raw = pointer.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise IndexCorruptError(f"index pointer {pointer} cannot be read ({exc.strerror}); {rebuild_hint(index_dir)}") from None
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        name = ""
    if not name or "/" in name or "\\" in name or name.startswith(".") or not name.isprintable():
        raise IndexCorruptError(f"index pointer {pointer} is damaged; {rebuild_hint(index_dir)}")
    return index_dir / name


def active_version(index_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The active version folder and its manifest, from one read of CURRENT."""
    version = current_version(index_dir)
    if version is None:
        raise IndexNotFoundError(f"no index at {index_dir}; build one with: qa index --index-dir {index_dir}")
    return version, read_manifest_file(version, index_dir)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The active manifest; raises IndexNotFoundError or IndexCorruptError."""
    return active_version(index_dir)[1]


def ensure_index_dir(index_dir: Path) -> None:
    """Create the index folder; IndexLocationError (one line) when it is a file or cannot be created."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        probe = index_dir / "LOCK"
        with open(probe, "a"):
            pass
    except OSError as exc:
        what = "is not a folder" if index_dir.exists() and not index_dir.is_dir() else "cannot be created or written"
        raise IndexLocationError(f"the index folder {index_dir} {what} ({exc.strerror or exc}); choose another --index-dir") from None


@contextlib.contextmanager
def write_lock(index_dir: Path, wait_s: float = 30.0) -> Iterator[None]:
    """Exclusive lock on the index folder for one writer; waits up to `wait_s` then fails clearly."""
    ensure_index_dir(index_dir)
    busy = f"another process is writing the index at {index_dir}; wait for it to finish and retry"
    with open(index_dir / "LOCK", "a+") as handle, exclusive(handle, wait_s, busy):
        yield


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_stale(index_dir: Path) -> list[str]:
    """Remove what killed builds left (`.tmp-*`, `.CURRENT-*`, orphan versions); call with the write lock held.

    Keeps the active version and the newest other one (a reader may still be loading it). Returns the names removed.
    """
    try:
        active = current_version(index_dir)
    except IndexCorruptError:
        active = None
    versions = sorted(p.name for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("v-"))
    others = [v for v in versions if active is None or v != active.name]
    keep = {active.name if active else "", *others[-1:]}
    removed = []
    for entry in index_dir.iterdir():
        stale = entry.name.startswith((".tmp-", ".CURRENT-")) or (entry.name.startswith("v-") and entry.name not in keep)
        if not stale:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()
        removed.append(entry.name)
    if removed:
        log.info("removed leftovers of interrupted builds: %s", ", ".join(sorted(removed)))
    return removed


def commit_version(
    index_dir: Path,
    manifest: dict[str, Any],
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    matrix: np.ndarray,
    dense: Any,
    bm25: BM25Index,
) -> None:
    """Write a new version folder, then switch CURRENT to it atomically and drop stale versions."""
    name = f"v-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir(parents=True)
    try:
        write_records(tmp, documents, chunks)
        np.save(tmp / "vectors.npy", matrix)
        save_dense(dense, tmp / "dense.faiss")
        bm25.save(tmp)
        manifest = {**manifest, "artifacts": artifact_table(tmp)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for file in VERSION_FILES:
            with open(tmp / file, "rb") as handle:
                os.fsync(handle.fileno())
        fsync_dir(tmp)
        os.rename(tmp, index_dir / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        previous = current_version(index_dir)
    except IndexCorruptError:  # a damaged pointer is being replaced: nothing to keep for readers
        previous = None
    pointer_tmp = index_dir / f".CURRENT-{uuid.uuid4().hex[:8]}"
    pointer_tmp.write_text(name, encoding="utf-8")
    with open(pointer_tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, index_dir / "CURRENT")
    fsync_dir(index_dir)
    # Keep the previous version for readers that may still be loading it; drop older ones and leftovers.
    keep = {name, previous.name if previous else ""}
    for entry in index_dir.iterdir():
        if entry.is_dir() and (entry.name.startswith("v-") or entry.name.startswith(".tmp-")) and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
