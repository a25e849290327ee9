"""Sliding-window rate limiter."""

from __future__ import annotations

from server.ratelimit import SlidingWindowLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_allows_the_limit_then_says_when_to_retry() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(3, window_s=60, clock=clock)
    for second in (0, 10, 20):
        clock.now = 100 + second
        assert limiter.hit("a") is None
    clock.now = 130
    assert limiter.hit("a") == 30  # the first hit leaves the window at t=160
    assert limiter.hit("b") is None  # other clients are counted separately
    clock.now = 160
    assert limiter.hit("a") is None
    assert limiter.hit("a") is not None


def test_window_slides_rather_than_resets() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(2, window_s=60, clock=clock)
    assert limiter.hit("a") is None
    clock.now += 59
    assert limiter.hit("a") is None
    clock.now += 2  # first hit expired, second still inside
    assert limiter.hit("a") is None
    assert limiter.hit("a") is not None


def test_zero_disables() -> None:
    limiter = SlidingWindowLimiter(0)
    assert not limiter.enabled
    assert all(limiter.hit("a") is None for _ in range(1000))


def test_retry_after_header_is_whole_seconds() -> None:
    assert SlidingWindowLimiter.retry_after_header(0.2) == "1"
    assert SlidingWindowLimiter.retry_after_header(29.1) == "30"


def test_key_table_is_bounded() -> None:
    limiter = SlidingWindowLimiter(1, max_keys=10)
    for n in range(100):
        limiter.hit(f"client-{n}")
    assert len(limiter._hits) == 10
