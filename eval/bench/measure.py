"""Measurement helpers of the benchmark: latency summaries, per-item timing, resident memory, BLAS threads."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from eval.bench.results import Stats

try:
    from threadpoolctl import threadpool_limits

    HAVE_THREADPOOLCTL = True
except ImportError:  # optional: without it the NumPy baseline runs with BLAS's default thread count
    HAVE_THREADPOOLCTL = False


def stats(ms: Sequence[float]) -> Stats:
    """n, p50, p95, p99, mean and max of latencies in milliseconds."""
    if not len(ms):
        return {"n": 0, "p50": None, "p95": None, "p99": None, "mean": None, "max": None}
    arr = np.asarray(ms, dtype=np.float64)
    p50, p95, p99 = np.percentile(arr, [50, 95, 99])
    return {
        "n": int(arr.size),
        "p50": round(float(p50), 4),
        "p95": round(float(p95), 4),
        "p99": round(float(p99), 4),
        "mean": round(float(arr.mean()), 4),
        "max": round(float(arr.max()), 4),
    }


def time_each(fn: Callable[[Any], Any], items: Sequence[Any], warmup: int = 1) -> tuple[list[Any], list[float]]:
    """Results and per-item wall-clock milliseconds of `fn(item)` (after `warmup` untimed calls)."""
    for item in items[:warmup]:
        fn(item)
    results: list[Any] = []
    ms: list[float] = []
    for item in items:
        t0 = time.perf_counter()
        results.append(fn(item))
        ms.append((time.perf_counter() - t0) * 1000)
    return results, ms


def _status(field_name: str) -> int | None:
    """A `kB` field of /proc/self/status in bytes (Linux); None elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def rss_bytes() -> int:
    """Resident set size of this process."""
    value = _status("VmRSS")
    if value is not None:
        return value
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def peak_rss_bytes() -> int | None:
    return _status("VmHWM")


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def mem_available_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def mb(value: float | None) -> float | None:
    return None if value is None else round(value / 2**20, 1)


@contextlib.contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Limit BLAS (NumPy's matrix product) to `n` threads when threadpoolctl is installed."""
    if not HAVE_THREADPOOLCTL:
        yield
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield
