"""`python -m eval.bench ...`: the same as `qa bench ...`."""

from __future__ import annotations

import os

from eval.bench.cli import DESCRIPTION, add_arguments, handle
from qa.cli_common import run_standalone


def main(argv: list[str] | None = None) -> int:
    """Parse `qa bench` arguments and run; user errors print one line and exit 2."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return run_standalone("python -m eval.bench", DESCRIPTION, add_arguments, handle, argv)


if __name__ == "__main__":
    raise SystemExit(main())
