"""What an index version declares (its manifest) and how it is checked: format, encoder, chunking, BM25
tokeniser and stopwords, and the size and SHA-256 of every data file. Shared by the local and Milvus backends."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from embeddings.bm25 import FILES as BM25_FILES
from embeddings.errors import IndexCorruptError, IndexMismatchError
from embeddings.records import RECORD_FILES
from embeddings.settings import IndexSettings
from embeddings.tokenize import stopwords
from embeddings.vector_index import DenseIndexSpec

FORMAT_VERSION = 2
"""2: memory-mapped records and BM25 postings (1: JSON lines and a scipy .npz, parsed whole on load)."""
TOKENIZER = "jieba-lcut-v1"
DATA_FILES = (*RECORD_FILES, "vectors.npy", "dense.faiss", *BM25_FILES)
"""The files a version holds besides its manifest; the manifest records their sizes and checksums."""


def stopwords_hash() -> str:
    return hashlib.sha256("\n".join(sorted(stopwords())).encode()).hexdigest()[:16]


def chunking_of(settings: IndexSettings) -> dict[str, int]:
    return {"size": settings.chunk_size, "max": settings.chunk_max, "overlap": settings.chunk_overlap}


def rebuild_hint(index_dir: Path) -> str:
    return f"rebuild with: qa index --rebuild --index-dir {index_dir}"


def read_manifest_file(version: Path, index_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index manifest at {version} is unreadable ({exc}); {rebuild_hint(index_dir)}") from exc
    if not isinstance(manifest, dict):
        raise IndexCorruptError(
            f"index manifest at {version} is a JSON {type(manifest).__name__}, not an object; {rebuild_hint(index_dir)}"
        )
    return manifest


def check_shape(manifest: dict[str, Any], index_dir: Path) -> None:
    """IndexCorruptError unless the manifest has the fields this program reads, with the right types."""
    shape = {"encoder": ("name", "dimension"), "dense": ("type", "params"), "counts": ("documents", "chunks")}
    for key, subkeys in shape.items():
        part = manifest.get(key)
        if not isinstance(part, dict) or any(k not in part for k in subkeys):
            raise IndexCorruptError(f"index manifest at {index_dir} lacks {key!r}; {rebuild_hint(index_dir)}")
    if not isinstance(manifest.get("files", {}), dict) or not isinstance(manifest["counts"]["chunks"], int):
        raise IndexCorruptError(f"index manifest at {index_dir} is malformed; {rebuild_hint(index_dir)}")


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def artifact_table(version: Path) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of each data file of a version folder (what the manifest records)."""
    return {name: {"bytes": (version / name).stat().st_size, "sha256": _sha256(version / name)} for name in DATA_FILES}


def verify_files(version: Path, manifest: dict[str, Any], *, checksums: bool) -> list[tuple[str, str]]:
    """(file, what is wrong) for each data file that does not match the manifest's record: missing, another
    size, or (with `checksums`) other content. Empty when all match or the manifest predates the records."""
    table = manifest.get("artifacts")
    if not isinstance(table, dict):
        return []
    damaged: list[tuple[str, str]] = []
    for name in DATA_FILES:
        record = table.get(name)
        path = version / name
        if not isinstance(record, dict):
            damaged.append((name, "not recorded in the manifest"))
            continue
        try:
            size = path.stat().st_size
        except OSError:
            damaged.append((name, "missing"))
            continue
        if size != record.get("bytes"):
            damaged.append((name, f"{size} bytes, the manifest says {record.get('bytes')}"))
        elif checksums and _sha256(path) != record.get("sha256"):
            damaged.append((name, "checksum mismatch"))
    return damaged


def check_compatible(manifest: dict[str, Any], encoder_name: str, index_dir: Path, *, where: str | None = None) -> None:
    """Raise IndexMismatchError if the index was built with another format or encoder. `where` names an index
    that is not a folder (`index in Milvus collection ...`); the rebuild hint then has no --index-dir."""
    what = where or f"index at {index_dir}"
    folder = "" if where else f" --index-dir {index_dir}"
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{what} has format version {version}, this program reads version {FORMAT_VERSION}; "
            f"rebuild it with: qa index --rebuild{folder}"
        )
    built_with = manifest.get("encoder", {}).get("name")
    if built_with != encoder_name:
        raise IndexMismatchError(
            f"{what} was built with encoder {built_with!r} but the configured encoder is "
            f"{encoder_name!r}; rebuild with: qa index --rebuild --model {encoder_name}{folder} "
            f"(or set WENDA_EMBEDDING_MODEL={built_with} to use the index as it is)"
        )


def index_manifest(
    settings: IndexSettings, info: Any, spec: DenseIndexSpec, corpus: list[str], files: dict[str, Any], counts: dict[str, int]
) -> dict[str, Any]:
    """The manifest of an index version built with `settings`, encoder `info` and dense `spec`."""
    return {
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "encoder": {
            "name": info.name,
            "resolved": getattr(info, "resolved", info.name),
            "dimension": int(info.dimension),
            "normalize": True,
            "builtin": bool(getattr(info, "builtin", False)),
        },
        "chunking": chunking_of(settings),
        "dense": {"type": spec.kind, "params": spec.params, "metric": "inner_product"},
        "bm25": {"k1": settings.bm25_k1, "b": settings.bm25_b, "tokenizer": TOKENIZER, "stopwords": stopwords_hash()},
        "corpus": corpus,
        "files": files,
        "counts": counts,
    }
