"""Model-cache helpers shared by the built-in models: one builder at a time, atomic install, stale-build cleanup."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `path` (POSIX `flock`; no lock where that is unavailable)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover  (not POSIX: the atomic rename alone protects the build)
        yield
        return
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def remove_stale_builds(target_dir: Path, max_age_s: float = 3600.0) -> None:
    """Delete temporary build directories of `target_dir` left behind by killed builders."""
    now = time.time()
    for path in target_dir.parent.glob(f".{target_dir.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > max_age_s:
                shutil.rmtree(path, ignore_errors=True)


def install_dir(tmp_dir: Path, target_dir: Path, is_complete: Callable[[Path], bool], what: str) -> None:
    """Move a finished build into place: keep a complete build already there, replace an older version or an
    empty directory, refuse to overwrite anything else (a directory without a marker file)."""
    if is_complete(target_dir):
        return
    if target_dir.exists():
        has_marker = target_dir.is_dir() and any(p.name.startswith("wenda_") for p in target_dir.iterdir())
        if not has_marker and (not target_dir.is_dir() or any(target_dir.iterdir())):
            raise FileExistsError(f"{target_dir} exists and is not a {what} build; not overwriting it")
        shutil.rmtree(target_dir, ignore_errors=True)
    try:
        os.replace(tmp_dir, target_dir)
    except OSError:
        if not is_complete(target_dir):  # another builder may have won the race
            raise
