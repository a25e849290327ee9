"""The index backend seam: the local FAISS + BM25 folder or a Milvus collection, chosen by
`settings.index_backend`. The Milvus modules (and pymilvus) are imported only when that backend is selected."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from embeddings.errors import IndexNotFoundError
from embeddings.settings import IndexSettings
from embeddings.store import BuildReport


def uses_milvus(settings: IndexSettings) -> bool:
    return settings.index_backend == "milvus"


def location(settings: IndexSettings) -> str:
    """Where the index lives, for messages."""
    if uses_milvus(settings):
        from embeddings.milvus.connect import describe

        return describe(settings)
    return str(settings.index_dir)


def index_exists(settings: IndexSettings) -> bool:
    """Whether a completed index is there (a local folder with CURRENT, or a ready collection)."""
    if uses_milvus(settings):
        from embeddings.milvus.build import milvus_index_exists

        return milvus_index_exists(settings)
    from embeddings.store import current_version

    return current_version(settings.index_dir) is not None


def prepare(settings: IndexSettings) -> None:
    """Check early that the index can be written where the settings say (the local folder is created)."""
    if uses_milvus(settings):
        from embeddings.milvus.connect import is_lite, lite_path

        if is_lite(settings.milvus_uri):
            lite_path(settings.milvus_uri)
        return
    from embeddings.store import ensure_index_dir

    ensure_index_dir(settings.index_dir)


def build_index(
    settings: IndexSettings,
    paths: Sequence[Path] | None = None,
    *,
    encoder_factory: Callable[[], Any],
    rebuild: bool = False,
    progress: bool = False,
) -> BuildReport:
    """Build or update the configured backend's index incrementally (see `store.build_index`)."""
    if uses_milvus(settings):
        from embeddings.milvus.build import build_milvus_index

        return build_milvus_index(settings, paths, encoder_factory=encoder_factory, rebuild=rebuild, progress=progress)
    from embeddings.store import build_index as build_local

    return build_local(settings, paths, encoder_factory=encoder_factory, rebuild=rebuild, progress=progress)


def load_index(settings: IndexSettings, encoder_name: str) -> Any:
    """The configured backend's index, opened for querying: `LoadedIndex` or `MilvusIndex`."""
    if uses_milvus(settings):
        from embeddings.milvus.index import open_milvus_index

        return open_milvus_index(settings, encoder_name)
    from embeddings.store import load_index as load_local

    return load_local(settings.index_dir, encoder_name)


def open_index(settings: IndexSettings, encoder: Any, *, build_if_missing: bool = True, progress: bool = False) -> Any:
    """Load the index (building it from settings.corpus first when there is none and `build_if_missing`)."""
    if not index_exists(settings):
        if not build_if_missing:
            where = location(settings)
            hint = "qa index" if uses_milvus(settings) else f"qa index --index-dir {settings.index_dir}"
            raise IndexNotFoundError(f"no index at {where}; build one with: {hint}")
        build_index(settings, encoder_factory=lambda: encoder, progress=progress)
    return load_index(settings, encoder.info.name)


def read_manifest(settings: IndexSettings) -> dict[str, Any]:
    """The active manifest (for `qa info`); IndexNotFoundError when there is no index."""
    if uses_milvus(settings):
        from embeddings.milvus.build import read_milvus_manifest

        return read_milvus_manifest(settings)
    from embeddings.store import read_manifest as read_local

    return read_local(settings.index_dir)
