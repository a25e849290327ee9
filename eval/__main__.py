"""`python -m eval ...`: the same as `qa eval ...`."""

from __future__ import annotations

from eval.cli import DESCRIPTION, add_arguments, handle
from qa.cli_common import run_standalone


def main(argv: list[str] | None = None) -> int:
    """Parse `qa eval` arguments and run; user errors print one line and exit 2."""
    return run_standalone("python -m eval", DESCRIPTION, add_arguments, handle, argv)


if __name__ == "__main__":
    raise SystemExit(main())
