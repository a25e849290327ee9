"""`python -m eval ...`: the same as `qa eval ...`."""

from __future__ import annotations

import argparse
import sys

from embeddings.errors import WendaError
from eval.cli import DESCRIPTION, add_arguments, handle
from qa.cli_common import common_parser


def main(argv: list[str] | None = None) -> int:
    """Parse `qa eval` arguments and run; user errors print one line and exit 2."""
    parser = argparse.ArgumentParser(
        prog="python -m eval",
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
