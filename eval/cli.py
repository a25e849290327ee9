"""`qa eval`: score the system against a gold set and write the reports.

    qa eval                                   # eval/gold/seeds.jsonl over the configured corpus (seeds/)
    qa eval --gold my.jsonl --corpus articles/ --out runs/mine
    qa eval --squad ../shared/data/cmrc2018/cmrc2018_trial.json   # CMRC 2018 trial, open retrieval
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.runner import SYSTEMS, run_eval

DEFAULT_GOLD = Path(__file__).resolve().parent / "gold" / "seeds.jsonl"
DESCRIPTION = """Score every system (hybrid+neural is the product; hybrid+rules, bm25+neural, dense+neural and
hybrid+sentence are baselines) on a gold set: EM/F1, recall@1/5/10, MRR@10, source@1, abstention, latency, broken down by
question type and style. Writes report.json, report.md, report.png and prints the tables.

With --squad FILE a SQuAD-format JSON (CMRC 2018, DRCD) is converted into OUT/gold.jsonl and
OUT/corpus/, every paragraph is indexed (open retrieval) in OUT/index, and that gold set is evaluated:
  qa eval --squad ../shared/data/cmrc2018/cmrc2018_trial.json"""


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the `eval` subcommand to the `qa` CLI."""
    parser = subparsers.add_parser(
        "eval",
        parents=[common],
        help="score the system against a gold question set",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=handle)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `qa eval` options (shared with `python -m eval`)."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--gold", type=Path, help=f"gold .jsonl file (default: {DEFAULT_GOLD.relative_to(DEFAULT_GOLD.parents[2])})")
    source.add_argument("--squad", type=Path, metavar="JSON", help="SQuAD-format file to convert and evaluate")
    source.add_argument(
        "--dialogues", type=Path, metavar="JSONL",
        help="dialogue gold set (eval/gold/dialogues.jsonl): every dialogue through qa chat's Conversation; per-turn "
        "EM/F1, follow-up and topic-switch accuracy (systems: the product unless --systems names others)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        help="files/folders to index instead of the configured corpus (indexed in OUT/index)",
    )
    parser.add_argument("--top-k", type=int, default=10, help="passages per question, at least 10 (default 10)")
    parser.add_argument("--out", type=Path, help="output folder (default runs/eval-<gold name>/)")
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=list(SYSTEMS),
        default=list(SYSTEMS),
        metavar="SYSTEM",
        help="systems to run (default all: " + " ".join(SYSTEMS) + ")",
    )
    parser.add_argument(
        "--split",
        choices=["train", "validation"],
        help="with --squad: only questions on articles of this split of the trained reader's data (the whole file "
        "is still indexed); validation = articles the reader never trained on",
    )
    parser.add_argument(
        "--half",
        choices=["tuning", "report"],
        help="only one half of the gold set, split by a fixed hash of the question id (eval.gold.half_of): thresholds "
        "and weights may be fitted on the tuning half; the report half is only reported",
    )
    parser.add_argument(
        "--given",
        action="store_true",
        help="with --squad: read each question against its own paragraph instead of retrieving, never abstaining "
        "(the reader-only score of CMRC-style evaluations)",
    )
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def handle(args: argparse.Namespace) -> int:
    """Run the evaluation described by parsed `qa eval` arguments; returns the exit code."""
    from eval.gold import GoldError
    from eval.report import console_summary
    from eval.squad import convert_file, split_gold, split_squad
    from qa.cli_common import settings_from_args

    settings = settings_from_args(args)
    index_dir_given = getattr(args, "index_dir", None) is not None
    progress = not args.no_progress
    if args.dialogues is not None:
        return _handle_dialogues(args, settings, index_dir_given)
    if args.squad is not None:
        out = args.out or Path("runs") / f"eval-{args.squad.stem}"
        squad = args.squad
        if args.given and args.split:  # reading only: index just the split's paragraphs
            squad = split_squad(args.squad, out / f"{args.squad.stem}-{args.split}.json", args.split)
        conversion = convert_file(squad, out)
        print(conversion.summary(), file=sys.stderr)
        gold = conversion.gold_path
        if args.split and not args.given:
            gold = split_gold(args.squad, gold, args.split)
        corpus = [*(args.corpus or []), conversion.corpus_path.parent]
    else:
        if args.split:
            raise GoldError("--split needs --squad")
        gold = args.gold or DEFAULT_GOLD
        out = args.out or Path("runs") / f"eval-{gold.stem}"
        corpus = args.corpus
    if corpus:
        overrides: dict[str, object] = {"corpus": corpus}
        if not index_dir_given:
            overrides["index_dir"] = out / "index"  # never clobber the main index
            if settings.index_backend == "milvus":  # nor the main Milvus collection
                overrides["milvus_collection"] = f"{settings.milvus_collection}_eval"
        settings = settings.with_overrides(**overrides)
    if args.given and args.squad is None:
        raise GoldError("--given needs --squad (every question must name its paragraph)")
    if args.given:  # reading comprehension as CMRC scores it: the reader always answers from the paragraph
        settings = settings.with_overrides(abstain_threshold=0.0, evidence_threshold=0.0)
    report = run_eval(
        gold, settings, top_k=args.top_k, out_dir=out, progress=progress, systems=args.systems, limit=args.limit,
        given=args.given, half=args.half,
    )
    print(console_summary(report))
    return 0


def _handle_dialogues(args: argparse.Namespace, settings: object, index_dir_given: bool) -> int:
    """`qa eval --dialogues FILE`: the product (or the named --systems) over the dialogue gold set."""
    from eval.dialogue_report import console_dialogue_summary
    from eval.dialogues import run_dialogues
    from eval.gold import GoldError
    from eval.runner import PRODUCT

    if args.split or args.given:
        raise GoldError("--split and --given do not apply to --dialogues")
    out = args.out or Path("runs") / f"eval-{args.dialogues.stem}"
    if args.corpus:
        overrides: dict[str, object] = {"corpus": args.corpus}
        if not index_dir_given:
            overrides["index_dir"] = out / "index"  # never clobber the main index
            if settings.index_backend == "milvus":  # type: ignore[attr-defined]  # nor the main Milvus collection
                overrides["milvus_collection"] = f"{settings.milvus_collection}_eval"  # type: ignore[attr-defined]
        settings = settings.with_overrides(**overrides)  # type: ignore[attr-defined]
    systems = args.systems if args.systems != list(SYSTEMS) else [PRODUCT]
    report = run_dialogues(
        args.dialogues, settings, systems=systems, half=args.half, limit=args.limit, out_dir=out,  # type: ignore[arg-type]
        progress=not args.no_progress,
    )
    print(console_dialogue_summary(report))
    return 0
