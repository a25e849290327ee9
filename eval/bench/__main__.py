"""`python -m eval.bench ...`: the same as `qa bench ...`."""

from __future__ import annotations

import argparse
import os
import sys

from embeddings.errors import WendaError
from eval.bench.cli import DESCRIPTION, add_arguments, handle
from qa.cli_common import common_parser


def main(argv: list[str] | None = None) -> int:
    """Parse `qa bench` arguments and run; user errors print one line and exit 2."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser(
        prog="python -m eval.bench",
        parents=[common_parser()],
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return handle(args)
    except WendaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
