"""Per-client sliding-window rate limit (requests per minute), thread-safe."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Allow at most `limit` hits per `window_s` seconds for each key; `limit == 0` allows everything."""

    def __init__(
        self,
        limit: int,
        *,
        window_s: float = 60.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 0:
            raise ValueError("limit must be >= 0")
        self.limit = limit
        self.window_s = window_s
        self._max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def hit(self, key: str) -> float | None:
        """Record one request for `key`; None when allowed, else seconds until the next one is allowed."""
        if not self.enabled:
            return None
        with self._lock:
            now = self._clock()
            hits = self._hits.get(key)
            if hits is None:
                hits = deque()
                self._hits[key] = hits
                while len(self._hits) > self._max_keys:
                    self._hits.popitem(last=False)
            else:
                self._hits.move_to_end(key)
            horizon = now - self.window_s
            while hits and hits[0] <= horizon:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window_s - now, 0.0)
            hits.append(now)
            return None

    @staticmethod
    def retry_after_header(seconds: float) -> str:
        """`Retry-After` value: whole seconds, at least 1."""
        return str(max(1, math.ceil(seconds)))
