"""`qa`: index articles and ask questions from the terminal.

Subcommands from other packages (serve, eval) register through the `wenda.cli` entry-point group.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from qa.cli_common import common_parser, settings_from_args
from qa.settings import BUILTIN_ENCODER, E5_ENCODER

EXAMPLES = """examples:
  qa ask "全国共设置了多少个公安派出所？"
  qa ask "正阳派出所建所多少年了？" --json
  qa ask --questions questions.jsonl --json > answers.jsonl
  qa chat
  qa index seeds/ more-articles/
  qa info
"""


def _progress_enabled() -> bool:
    return sys.stderr.isatty()


def _encoder_missing(settings: Any) -> bool:
    """Whether the configured built-in encoder is not yet materialised in the model cache (first run)."""
    try:
        if settings.embedding_model == BUILTIN_ENCODER:
            from embeddings.encoders.builtin import BUILTIN_DIRNAME, is_complete_builtin

            return not is_complete_builtin(settings.model_cache_dir / BUILTIN_DIRNAME)
        if settings.embedding_model == E5_ENCODER:
            from embeddings.encoders.e5 import E5_DIRNAME, is_complete

            return not is_complete(settings.model_cache_dir / E5_DIRNAME)
    except (ImportError, AttributeError, OSError):
        return False
    return False


def _pipeline(settings: Any, quiet: bool = False) -> Any:
    """The loaded pipeline, saying on stderr what a first run builds (unless `quiet`)."""
    from embeddings.backend import index_exists, location, prepare
    from qa.pipeline import QAPipeline

    first_build = not index_exists(settings)
    if first_build:
        prepare(settings)
    if not quiet and _encoder_missing(settings):
        print(
            f"Building the {settings.embedding_model} encoder in {settings.model_cache_dir} (first run only, "
            "about half a minute)…",
            file=sys.stderr, flush=True,
        )
    if first_build and not quiet:
        corpus = ", ".join(map(str, settings.corpus))
        print(f"No index at {location(settings)} yet: building it from {corpus} (first run only)…", file=sys.stderr)
    return QAPipeline.from_settings(settings, build_if_missing=True, progress=_progress_enabled() and not quiet)


WARM_UP_QUESTION = "派出所有多少名民警？"


def _warm_up(pipeline: Any) -> None:
    """Answer one throw-away question so that lazy initialisation (jieba's dictionaries, the encoder, the
    reader) counts as loading time, not as the answer's."""
    try:
        pipeline.ask(WARM_UP_QUESTION, top_k=1)
    except Exception as exc:  # noqa: BLE001 - warming up is optional; the real question reports real errors
        logging.getLogger(__name__).debug("warm-up failed: %s", exc)


def cmd_index(args: argparse.Namespace) -> int:
    from qa.pipeline import QAPipeline

    settings = settings_from_args(args, faiss_index=args.index_type)
    paths = [Path(p) for p in args.paths] or list(settings.corpus)
    started = time.perf_counter()
    report = QAPipeline.build(settings, paths, progress=_progress_enabled(), rebuild=args.rebuild)
    # Skipped files are already reported (once) by the ingest warning; repairs are said here.
    for name, why in report.repaired:
        print(f"repaired {name} ({why})", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    if report.up_to_date:
        print(f"Index at {report.index_dir} is up to date: {report.documents} articles, {report.chunks} chunks.")
        return 0
    print(
        f"Indexed {report.documents} articles in {report.chunks} chunks "
        f"({len(report.added)} files added, {len(report.changed)} changed, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged; {report.encoded_chunks} chunks encoded) "
        f"in {time.perf_counter() - started:.1f}s → {report.index_dir} [{report.encoder}, {report.index_type}]"
    )
    return 0


def _read_questions(path: Path, max_chars: int) -> list[dict[str, Any]]:
    """The rows of a questions file; WendaError naming the line for anything that cannot be asked."""
    from qa.errors import WendaError, unicode_problem

    if not path.is_file():
        raise WendaError(f"questions file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WendaError(f"{path} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8") from None
    except OSError as exc:
        raise WendaError(f"questions file {path} cannot be read: {exc.strerror or exc}") from None
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise WendaError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("question"), str):
            raise WendaError(f"{path}:{n}: each line needs a \"question\" string (and an \"id\")")
        for key, value in row.items():
            problem = unicode_problem(value) if isinstance(value, str) else None
            if problem:
                raise WendaError(f"{path}:{n}: {key!r} {problem}")
        rows.append(row)
    return rows


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.errors import WendaError, check_question
    from qa.render import render_answer

    settings = settings_from_args(args, retrieval_mode=args.retrieval, reader=args.reader, top_k=args.top_k)
    if args.questions is None:
        if args.question is None:
            raise WendaError('give a question, e.g. qa ask "全国共设置了多少个公安派出所？", or --questions FILE.jsonl')
        check_question(args.question, settings.max_question_chars)
    elif args.question is not None:
        raise WendaError("give either a question or --questions FILE, not both")
    rows = _read_questions(args.questions, settings.max_question_chars) if args.questions else None
    started = time.perf_counter()
    pipeline = _pipeline(settings, quiet=args.json)
    _warm_up(pipeline)
    load_s = time.perf_counter() - started
    if rows is None:
        answer = pipeline.ask(args.question, top_k=settings.top_k)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False))
        else:
            print(render_answer(answer, color=sys.stdout.isatty(), show_passages=args.passages, load_s=load_s))
        return 0
    failures = 0
    for n, row in enumerate(rows, 1):
        try:
            result: dict[str, Any] = pipeline.ask(row["question"], top_k=settings.top_k).to_dict()
        except WendaError as exc:
            failures += 1
            result = {"question": row["question"], "error": str(exc)}
        record = {"id": row.get("id", n), **result}
        if args.json:
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print(f"[{record['id']}] {row['question']}\n  → {result.get('text') or result.get('error') or result.get('message')}")
    return 1 if failures else 0


def cmd_chat(args: argparse.Namespace) -> int:
    from qa.conversation import Conversation
    from qa.errors import WendaError
    from qa.render import render_answer

    settings = settings_from_args(args)
    pipeline = _pipeline(settings)
    chat = Conversation(pipeline)
    color = sys.stdout.isatty()
    print(
        f"问答 chat — {len(pipeline.documents)} articles. Ask in Chinese; follow-ups (那它的面积呢？) use the earlier "
        "turns and show how they were understood; /reset clears context, /quit or Ctrl-D exits."
    )
    while True:
        try:
            line = input("问> ")
        except EOFError:
            print()
            return 0
        except KeyboardInterrupt:
            print()
            return 0
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit", "exit", "quit"):
            return 0
        if text == "/reset":
            chat.reset()
            print("(context cleared)")
            continue
        try:
            answer = chat.ask(text)
        except WendaError as exc:
            print(f"error: {exc}")
            continue
        if answer.understood_as:
            print(f"（理解为：{answer.understood_as}）")
        print(render_answer(answer, color=color))


def cmd_info(args: argparse.Namespace) -> int:
    from embeddings.backend import index_exists, location, read_manifest, uses_milvus
    from qa.errors import IndexNotFoundError

    settings = settings_from_args(args)
    if not index_exists(settings):
        raise IndexNotFoundError(f"no index at {location(settings)}; build one with: qa index (or just ask: qa ask \"…\")")
    manifest = read_manifest(settings)
    info = {
        "index_dir": location(settings) if uses_milvus(settings) else str(settings.index_dir.resolve()),
        "backend": settings.index_backend,
        "built_at": manifest.get("created_at"),
        "format_version": manifest.get("format_version"),
        "corpus": manifest.get("corpus"),
        "files": len(manifest.get("files", {})),
        "documents": manifest["counts"]["documents"],
        "chunks": manifest["counts"]["chunks"],
        "encoder": manifest["encoder"],
        "configured_encoder": settings.embedding_model,
        "index_type": manifest["dense"]["type"],
        "chunking": manifest.get("chunking"),
        "retrieval": {"mode": settings.retrieval_mode, "weight_bm25": settings.weight_bm25, "weight_dense": settings.weight_dense if settings.weight_dense is not None else "auto"},
        "reader": settings.reader,
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    enc = manifest["encoder"]
    print(f"index      {info['index_dir']} (built {info['built_at']}, format v{info['format_version']})")
    print(f"corpus     {', '.join(info['corpus'] or [])}: {info['files']} files, {info['documents']} articles, {info['chunks']} chunks")
    print(f"encoder    {enc['name']} ({enc['dimension']}-d, normalised; {'built-in, offline' if enc.get('builtin') else enc.get('resolved')})")
    engine = "Milvus" if uses_milvus(settings) else "FAISS"
    print(f"dense      {engine} {info['index_type']}; BM25 over jieba tokens")
    dense = settings.weight_dense if settings.weight_dense is not None else ("auto: 0 for the word-vector encoder" if enc.get("name") == BUILTIN_ENCODER else "auto: 1")
    print(f"retrieval  {settings.retrieval_mode} (RRF weights bm25 {settings.weight_bm25}, dense {dense}); reader {settings.reader}")
    return 0


def _count(text: str) -> int:
    """argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = common_parser()
    parser = argparse.ArgumentParser(
        prog="qa",
        description="问答 (wenda): extractive, cited answers to Chinese questions about a set of articles.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("index", parents=[common], help="build or update the index (only new or changed files are encoded)")
    p.add_argument("paths", nargs="*", help="files or folders (.txt .md .html .json .jsonl); default: seeds/")
    p.add_argument("--rebuild", action="store_true", help="rebuild from scratch instead of updating")
    p.add_argument("--index-type", choices=["auto", "flat", "hnsw", "ivf"], help="FAISS index type (default auto)")
    p.add_argument("--json", action="store_true", help="print the build report as JSON")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", parents=[common], help="answer one question (or a JSONL file of them)")
    p.add_argument("question", nargs="?", help="the question, in Chinese")
    p.add_argument("--questions", type=Path, help="JSONL file with {\"id\", \"question\"} per line (batch mode)")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON (one line per question)")
    p.add_argument("--top-k", type=int, help="passages to return, 1 to 50 (default 5)")
    p.add_argument("--passages", type=_count, default=0, help="also print this many retrieved passages")
    p.add_argument("--retrieval", choices=["hybrid", "bm25", "dense"], help="retrieval mode (default hybrid)")
    p.add_argument(
        "--reader", choices=["neural", "rules", "sentence"],
        help="answer reader (default neural: the transformer reader; rules = hand-written extractors, the fallback "
        "when no model loads; sentence = the best sentence)",
    )
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[common], help="interactive chat; follow-up questions keep their context")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("info", parents=[common], help="corpus size, encoder, index type and location")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    for entry in sorted(entry_points(group="wenda.cli"), key=lambda e: e.name):
        try:
            entry.load()(sub, common)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the core commands
            logging.getLogger(__name__).debug("command %s unavailable: %s", entry.name, exc)
    return parser


def _passthrough(name: str, argv: list[str]) -> int:
    """Run a plugin command that parses its own options (`qa train-reader`: the `training` package)."""
    import importlib

    for entry in entry_points(group="wenda.cli", name=name):
        module = importlib.import_module(entry.value.split(":", 1)[0])
        return int(module.main(argv) or 0)
    print(f"error: the {name} command is not installed (pip install -e '.[train]')", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    from qa.errors import WendaError

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["train-reader"]:
        return _passthrough("train-reader", argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except WendaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        unavailable = type(exc).__name__ == "EncoderUnavailableError"
        if unavailable:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
