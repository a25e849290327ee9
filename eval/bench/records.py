"""How to keep an index's documents and chunks: the memory-mapped columns the index uses, SQLite, and the JSON
lines parsed whole on load that earlier versions used, measured on the same records.

    python -m eval.bench.records --index-dir runs/bench/indexes/1m [--lookups 2000]

Each layout is loaded in a fresh process, which reports its load seconds, the RSS it added, and the time to read
what one query reads (50 random chunks with their text and their documents' titles), p50/p95 over `--lookups`
queries. The SQLite and JSON-lines copies are written next to the index under `<index-dir>/records-bench/`.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

LAYOUTS = ("columns", "sqlite", "jsonl")
PER_QUERY = 50


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def export(version: Path, out: Path) -> None:
    """Write the records of `version` as SQLite and as JSON lines (the format-1 layout, tokens included)."""
    from embeddings.records import read_records

    documents, chunks = read_records(version)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "records.sqlite"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("CREATE TABLE docs (row INTEGER PRIMARY KEY, doc_id TEXT UNIQUE, meta TEXT, text TEXT)")
    con.execute("CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id TEXT, doc_row INTEGER, start INTEGER, end INTEGER, tokens TEXT)")
    con.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?)",
        ((i, d.doc_id, json.dumps({k: v for k, v in d.to_dict().items() if k not in ("doc_id", "text")}, ensure_ascii=False), d.text)
         for i, d in enumerate(documents)),
    )
    con.executemany(
        "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
        ((i, c.chunk_id, documents.row_of[c.doc_id], c.start, c.end, json.dumps(chunks.tokens(i), ensure_ascii=False))
         for i, c in enumerate(chunks)),
    )
    con.commit()
    con.close()
    with open(out / "documents.jsonl", "w", encoding="utf-8") as handle:
        for d in documents:
            handle.write(json.dumps(d.to_dict(), ensure_ascii=False) + "\n")
    with open(out / "chunks.jsonl", "w", encoding="utf-8") as handle:
        for i in range(len(chunks)):
            c = chunks[i]
            row = {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "start": c.start, "end": c.end, "tokens": chunks.tokens(i)}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


class _Sqlite:
    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self.n = self.con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def read(self, rows: list[int]) -> list[tuple[str, str, str]]:
        marks = ",".join("?" * len(rows))
        found = self.con.execute(
            f"SELECT c.chunk_id, substr(d.text, c.start + 1, c.end - c.start), d.meta FROM chunks c JOIN docs d ON d.row = c.doc_row "  # noqa: S608
            f"WHERE c.row IN ({marks})",
            rows,
        ).fetchall()
        return [(cid, text, json.loads(meta)["title"]) for cid, text, meta in found]


def _open(layout: str, version: Path, copies: Path) -> tuple[Any, int]:
    if layout == "columns":
        from embeddings.records import read_records

        documents, chunks = read_records(version)

        def read(rows: list[int]) -> list[tuple[str, str, str]]:
            out = []
            for r in rows:
                c = chunks[r]
                out.append((c.chunk_id, c.text, documents[chunks.document_row(r)].title))
            return out

        return read, len(chunks)
    if layout == "sqlite":
        db = _Sqlite(copies / "records.sqlite")
        return db.read, db.n
    from embeddings.documents import Chunk, Document

    with open(copies / "documents.jsonl", encoding="utf-8") as handle:
        docs = {d.doc_id: d for d in (Document(**json.loads(line)) for line in handle)}
    with open(copies / "chunks.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    chunk_list = [Chunk(r["chunk_id"], r["doc_id"], r["start"], r["end"], docs[r["doc_id"]].text[r["start"] : r["end"]], r["tokens"]) for r in rows]
    del rows

    def read_loaded(picked: list[int]) -> list[tuple[str, str, str]]:
        return [(chunk_list[r].chunk_id, chunk_list[r].text, docs[chunk_list[r].doc_id].title) for r in picked]

    return read_loaded, len(chunk_list)


def measure(layout: str, version: Path, copies: Path, lookups: int) -> dict[str, Any]:
    """Load one layout in this process and time its lookups."""
    rss0 = _rss()
    t0 = time.perf_counter()
    read, n = _open(layout, version, copies)
    load_s = time.perf_counter() - t0
    rss1 = _rss()
    rng = np.random.default_rng(7)
    ms = []
    for _ in range(lookups):
        rows = sorted(rng.choice(n, size=min(PER_QUERY, n), replace=False).tolist())
        t = time.perf_counter()
        got = read(rows)
        ms.append((time.perf_counter() - t) * 1000)
        assert len(got) == len(rows)
    return {
        "layout": layout, "chunks": n, "load_s": round(load_s, 3), "rss_added_mb": round((rss1 - rss0) / 2**20, 1),
        "lookup_p50_ms": round(float(np.percentile(ms, 50)), 3), "lookup_p95_ms": round(float(np.percentile(ms, 95)), 3),
        "rss_after_lookups_mb": round((_rss() - rss0) / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench.records", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="an index folder (its active version is read)")
    parser.add_argument("--lookups", type=int, default=2000, help="simulated queries per layout (default 2000)")
    parser.add_argument("--layout", choices=LAYOUTS, help=argparse.SUPPRESS)  # one layout, in the child process
    args = parser.parse_args(argv)
    from embeddings.records import RECORD_FILES
    from embeddings.store import current_version

    version = current_version(args.index_dir)
    if version is None:
        parser.error(f"no index at {args.index_dir}")
    copies = args.index_dir / "records-bench"
    if args.layout:
        print(json.dumps(measure(args.layout, version, copies, args.lookups)))
        return 0
    if not (copies / "chunks.jsonl").exists():
        print(f"writing SQLite and JSON-lines copies under {copies} ...", file=sys.stderr)
        export(version, copies)
    sizes = {
        "columns": sum((version / n).stat().st_size for n in RECORD_FILES),
        "sqlite": (copies / "records.sqlite").stat().st_size,
        "jsonl": (copies / "documents.jsonl").stat().st_size + (copies / "chunks.jsonl").stat().st_size,
    }
    print(f"{'layout':8} {'chunks':>9} {'disk MB':>8} {'load s':>7} {'RSS MB':>7} {'lookup p50/p95 ms':>18}")
    for layout in LAYOUTS:
        cmd = [sys.executable, "-m", "eval.bench.records", "--index-dir", str(args.index_dir), "--lookups", str(args.lookups), "--layout", layout]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, env={**os.environ})
        if done.returncode != 0:
            print(f"{layout:8} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{layout:8} {r['chunks']:>9} {sizes[layout] / 2**20:>8.1f} {r['load_s']:>7.2f} {r['rss_added_mb']:>7.1f} "
            f"{r['lookup_p50_ms']:>8.3f}/{r['lookup_p95_ms']:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
