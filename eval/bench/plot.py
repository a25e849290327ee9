"""bench.png: retrieval latency against corpus size (log–log), one line per index type; build time alongside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.bench.report import dig, ok_corpora

LINES = (
    ("flat", "FAISS flat (exact)", "tab:blue", "o"),
    ("hnsw", "FAISS HNSW", "tab:orange", "s"),
    ("ivf", "FAISS IVF", "tab:green", "^"),
    ("numpy_exact", "NumPy exact (matrix @ query)", "tab:gray", "x"),
    ("bm25", "BM25 (CSC postings)", "tab:red", "D"),
    ("bm25_rebuild", "BM25 rebuilt per query", "tab:purple", "v"),
    ("bm25s", "bm25s library", "tab:brown", "P"),
)


def plot(report: dict[str, Any], path: Path) -> None:
    """Retrieval latency against corpus size (log–log), one line per index type; build time alongside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    corpora = sorted(ok_corpora(report.get("corpora", [])), key=lambda c: c.get("chunks", 0))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(14, 6))
    _latency_panel(ax, corpora)
    _build_panel(bx, corpora)
    enc = report.get("meta", {}).get("encoder", {})
    fig.suptitle(f"wenda bench — {enc.get('name')} encoder, {report.get('meta', {}).get('host', {}).get('cpus')} CPUs", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _latency_panel(ax: Any, corpora: list[dict[str, Any]]) -> None:
    for method, label, color, marker in LINES:
        pts = [(c["chunks"], dig(c, "latency", method)) for c in corpora if dig(c, "latency", method, "p95") is not None]
        if not pts:
            continue
        xs = [n for n, _ in pts]
        ax.plot(xs, [s["p95"] for _, s in pts], color=color, marker=marker, label=f"{label} p95")
        ax.plot(xs, [s["p50"] for _, s in pts], color=color, linestyle=":", linewidth=1)
        for n, s in pts:
            if s.get("extrapolated"):
                ax.plot([n], [s["p95"]], marker=marker, color="white", markeredgecolor=color, markersize=9)
    pts = [(c["chunks"], dig(c, "latency", "answer")) for c in corpora if dig(c, "latency", "answer", "p95") is not None]
    if pts:
        ax.plot([n for n, _ in pts], [s["p95"] for _, s in pts], color="black", linestyle="--", marker=".", label="full answer (QAPipeline.ask) p95")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.axhline(100, color="red", linewidth=0.8, alpha=0.5)
    ax.text(0.99, 100, "100 ms target (1M, p95)", color="red", va="bottom", ha="right", fontsize=8, transform=ax.get_yaxis_transform())
    ax.set_xlabel("corpus size (chunks)")
    ax.set_ylabel("latency per query (ms): p95 solid, p50 dotted")
    ax.set_title("Retrieval latency per query (text in, 50 candidates out)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    for c in corpora:
        ax.annotate(c["name"], (c["chunks"], 0.01), xycoords=ax.get_xaxis_transform(), fontsize=7, ha="center", va="bottom", rotation=90, alpha=0.6)


def _build_panel(bx: Any, corpora: list[dict[str, Any]]) -> None:
    parts = (
        (("encode",), "encode (real; hollow = extrapolated)", "tab:blue"),
        (("tokenize",), "tokenise (jieba)", "tab:olive"),
        (("bm25_matrix",), "BM25 matrix", "tab:red"),
        (("faiss", "flat"), "FAISS flat add", "tab:cyan"),
        (("faiss", "hnsw"), "FAISS HNSW add", "tab:orange"),
        (("faiss", "ivf"), "FAISS IVF train+add", "tab:green"),
    )
    for keys, label, color in parts:
        pts = [(c["chunks"], dig(c, "build", *keys)) for c in corpora if dig(c, "build", *keys, "seconds")]
        if not pts:
            continue
        bx.plot([n for n, _ in pts], [r["seconds"] for _, r in pts], color=color, marker="o", label=label)
        for n, r in pts:
            if r.get("method") == "extrapolated":
                bx.plot([n], [r["seconds"]], marker="o", color="white", markeredgecolor=color, markersize=9)
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_xlabel("corpus size (chunks)")
    bx.set_ylabel("seconds")
    bx.set_title("Index build time per component", fontsize=10)
    bx.grid(True, which="both", alpha=0.3)
    bx.legend(fontsize=8, loc="upper left")


