"""Flags shared by every `qa` subcommand, and turning them into the settings."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from qa.settings import QASettings

S = TypeVar("S", bound=QASettings)


def common_parser() -> argparse.ArgumentParser:
    """Parent parser with --index-dir, --model, --config and --verbose."""
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("common options")
    group.add_argument("--index-dir", type=Path, help="index directory (env WENDA_INDEX_DIR; default .wenda/index)")
    group.add_argument("--model", help="embedding model: sentence-transformers name, local directory, or wenda-w2v-zh (env WENDA_EMBEDDING_MODEL)")
    group.add_argument("--config", type=Path, help="TOML settings file (env WENDA_CONFIG; default ./wenda.toml)")
    group.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    return parser


def settings_from_args(args: argparse.Namespace, *, layer: type[S] = QASettings, **overrides: object) -> S:  # type: ignore[assignment]
    """Every layer's settings from env/config, with the common flags and `overrides` applied. `layer` is the
    settings class the command needs (a plugin passes its own, e.g. ServerSettings), so its fields are
    there even when the installed `wenda.settings` entry points are out of date."""
    if getattr(args, "config", None):
        os.environ["WENDA_CONFIG"] = str(args.config)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )
    return layer.load().with_overrides(
        index_dir=getattr(args, "index_dir", None), embedding_model=getattr(args, "model", None), **overrides
    )


def run_standalone(
    prog: str,
    description: str,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    handle: Callable[[argparse.Namespace], int],
    argv: list[str] | None = None,
) -> int:
    """`python -m …` for a `qa` subcommand: same options and handler; user errors print one line and exit 2."""
    from qa.errors import WendaError

    parser = argparse.ArgumentParser(
        prog=prog, parents=[common_parser()], description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return handle(args)
    except WendaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
