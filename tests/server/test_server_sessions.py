"""Session store: bounded, expiring, LRU, thread-safe."""

from __future__ import annotations

import threading

import pytest

from server.sessions import SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_store(max_sessions: int = 3, ttl_s: float = 10.0) -> tuple[SessionStore[list[str]], Clock]:
    clock = Clock()
    return SessionStore(list, max_sessions=max_sessions, ttl_s=ttl_s, clock=clock), clock


def test_get_or_create_reuses_live_sessions() -> None:
    store, _ = make_store()
    session, created = store.get_or_create(None)
    assert created and len(session.session_id) >= 16
    again, created = store.get_or_create(session.session_id)
    assert not created and again is session


def test_unknown_ids_are_not_adopted() -> None:
    store, _ = make_store()
    session, created = store.get_or_create("chosen-by-client")
    assert created and session.session_id != "chosen-by-client"


def test_sessions_expire_after_inactivity() -> None:
    store, clock = make_store(ttl_s=10)
    session, _ = store.get_or_create()
    clock.now = 9
    assert store.get_or_create(session.session_id)[0] is session  # use refreshes the clock
    clock.now = 18
    assert session.session_id in store
    clock.now = 19
    assert session.session_id not in store and len(store) == 0
    _, created = store.get_or_create(session.session_id)
    assert created


def test_least_recently_used_is_evicted() -> None:
    store, clock = make_store(max_sessions=2)
    a, _ = store.get_or_create()
    b, _ = store.get_or_create()
    store.touch(a)  # b is now the least recently used
    c, _ = store.get_or_create()
    assert len(store) == 2
    assert a.session_id in store and c.session_id in store and b.session_id not in store


def test_discard() -> None:
    store, _ = make_store()
    a, _ = store.get_or_create()
    assert store.discard(a.session_id) and not store.discard(a.session_id)


def test_rejects_a_zero_bound() -> None:
    with pytest.raises(ValueError):
        SessionStore(list, max_sessions=0, ttl_s=1)


def test_thread_safe_under_contention() -> None:
    store: SessionStore[list[str]] = SessionStore(list, max_sessions=50, ttl_s=60)
    ids: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(200):
            session, _ = store.get_or_create()
            with lock:
                ids.append(session.session_id)
            store.get_or_create(session.session_id)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1600 and len(store) == 50
