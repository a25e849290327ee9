"""Bounded, expiring, thread-safe memory of chat sessions (one `Conversation` each)."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Session(Generic[T]):
    """One chat session: its conversation state and a lock serialising its turns."""

    session_id: str
    state: T
    last_used: float
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class SessionStore(Generic[T]):
    """At most `max_sessions` sessions, each dropped after `ttl_s` seconds unused; LRU eviction."""

    def __init__(
        self,
        factory: Callable[[], T],
        *,
        max_sessions: int,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        self._factory = factory
        self._max = max_sessions
        self._ttl = ttl_s
        self._clock = clock
        self._sessions: OrderedDict[str, Session[T]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        with self._lock:
            self._expire(self._clock())
            return session_id in self._sessions

    def get_or_create(self, session_id: str | None = None) -> tuple[Session[T], bool]:
        """The live session `session_id`, or a new one under a fresh id; and whether it was created.

        An unknown or expired id is never adopted: the caller gets a new, server-chosen id.
        """
        with self._lock:
            now = self._clock()
            self._expire(now)
            session = self._sessions.get(session_id) if session_id else None
            if session is not None:
                session.last_used = now
                self._sessions.move_to_end(session.session_id)
                return session, False
            while len(self._sessions) >= self._max:
                self._sessions.popitem(last=False)
            new_id = secrets.token_urlsafe(16)
            session = Session(session_id=new_id, state=self._factory(), last_used=now)
            self._sessions[new_id] = session
            return session, True

    def touch(self, session: Session[T]) -> None:
        """Mark `session` as used now (call when a turn finishes)."""
        with self._lock:
            session.last_used = self._clock()
            if session.session_id in self._sessions:
                self._sessions.move_to_end(session.session_id)

    def discard(self, session_id: str) -> bool:
        """Forget a session; whether it existed."""
        with self._lock:
            return self._sessions.pop(session_id, None) is not None

    def _expire(self, now: float) -> None:
        # Oldest-used first: stop at the first session still inside its time to live.
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if now - oldest.last_used < self._ttl:
                break
            self._sessions.popitem(last=False)
