"""Writer locks: an exclusive `flock` on an open file, waited for a while, then refused with a clear message."""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from typing import IO, Any

from embeddings.errors import IndexLockedError


@contextlib.contextmanager
def exclusive(handle: IO[Any], wait_s: float, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on `handle`; retry for up to `wait_s` seconds, then raise IndexLockedError(`busy`)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise IndexLockedError(busy) from None
            time.sleep(0.2)
    try:
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
