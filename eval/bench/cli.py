"""`qa bench`: build and query cost from the seed corpus up to a million chunks, against simple baselines.

    qa bench --quick                 # seed corpus + 10k synthetic chunks (under two minutes)
    qa bench                         # seed, CMRC 2018 trial, 10k, 100k and 1M synthetic chunks
    qa bench --corpora seed 100k --queries 300 --out runs/bench-100k
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.bench.context import ALL_CORPORA, QUICK_CORPORA, BenchConfig, default_cmrc, parse_size

DESCRIPTION = """Measure index build throughput (encode, FAISS add, BM25 incl. tokenisation), index size on disk,
resident memory, query latency p50/p95/p99 for retrieval alone and for a full answer, and recall@10 of
HNSW/IVF against exact search, for the seed corpus, the CMRC 2018 trial paragraphs and synthetic corpora
of 10k, 100k and 1M chunks (real sentences recombined with a fixed seed). Baselines in the same run:
exact search with plain NumPy and BM25 rebuilt per query. Writes OUT/bench.json and OUT/bench.png and
prints the tables. Each corpus is measured in its own process."""


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the `bench` subcommand to the `qa` CLI."""
    parser = subparsers.add_parser(
        "bench",
        parents=[common],
        help="measure build/query cost from the seed corpus up to 1M chunks",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=handle)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `qa bench` options (shared with `python -m eval.bench`)."""
    parser.add_argument("--quick", action="store_true", help=f"only {' + '.join(QUICK_CORPORA)} (under two minutes)")
    parser.add_argument(
        "--corpora",
        nargs="+",
        metavar="NAME",
        help=f"corpora to measure: seed, cmrc or a synthetic size such as 10k, 100k, 1m (default: {' '.join(ALL_CORPORA)})",
    )
    parser.add_argument("--out", type=Path, default=Path("runs/bench"), help="output folder (default runs/bench/)")
    parser.add_argument("--queries", type=int, default=256, help="questions per corpus (default 256)")
    parser.add_argument("--seed", type=int, default=2018, help="seed of the synthetic corpora and query sample (default 2018)")
    parser.add_argument("--seeds-dir", type=Path, default=None, help="seed articles (default: seeds/)")
    parser.add_argument("--cmrc", type=Path, default=None, help=f"CMRC 2018 trial JSON (default {default_cmrc()})")
    parser.add_argument(
        "--real-max",
        type=int,
        default=None,
        help="synthetic corpora up to this many chunks are tokenised and encoded for real; larger ones by exact "
        "composition with the real cost extrapolated from a sample (default 10000; --quick: 0)",
    )
    parser.add_argument("--rebuild-budget", type=float, default=30.0, help="seconds per corpus for the BM25-rebuild baseline (default 30)")
    parser.add_argument("--keep-indexes", action="store_true", help="keep the indexes written under OUT/indexes/")
    parser.add_argument("--in-process", action="store_true", help="measure every corpus in this process (no fork)")
    parser.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--milvus", action="store_true",
        help="also insert every corpus into Milvus (Lite under OUT/, or the server in milvus_uri) and time it next to the local index",
    )


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    corpora = list(args.corpora or (QUICK_CORPORA if args.quick else ALL_CORPORA))
    for name in corpora:
        parse_size(name)
    real_max = args.real_max if args.real_max is not None else (0 if args.quick else 10_000)
    cfg = BenchConfig(
        corpora=corpora,
        out_dir=args.out,
        queries=args.queries,
        seed=args.seed,
        cmrc_path=args.cmrc,
        real_max=real_max,
        rebuild_budget_s=args.rebuild_budget,
        keep_indexes=args.keep_indexes,
        isolate=not args.in_process,
        progress=not args.no_progress,
        quick=args.quick,
        milvus=args.milvus,
    )
    if args.seeds_dir is not None:
        cfg.seeds_dir = args.seeds_dir
    elif Path("seeds").is_dir():
        cfg.seeds_dir = Path("seeds")
    return cfg


def handle(args: argparse.Namespace) -> int:
    """Run the benchmark described by parsed `qa bench` arguments; returns the exit code."""
    from eval.bench.report import console_summary
    from eval.bench.run import run_bench
    from qa.cli_common import settings_from_args
    from qa.errors import WendaError

    try:
        cfg = config_from_args(args)
    except ValueError as exc:
        raise WendaError(str(exc)) from exc
    if args.queries < 1:
        raise WendaError("--queries must be at least 1")
    settings = settings_from_args(args)
    report = run_bench(cfg, settings)
    print(console_summary(report))
    print(f"\nwrote {cfg.out_dir / 'bench.json'} and {cfg.out_dir / 'bench.png'}", file=sys.stderr)
    return 1 if report.failed else 0
