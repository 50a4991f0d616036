"""Sessions made ready before they are needed, so a command waits for one round trip only.

Starting a command on an open SSH connection costs three round trips: the new channel's
confirmation, the answer to ``exec`` (sshd opens the channel's window only once the
command runs), then the result. Almost every command the runner sends is the same shell
reading its script from standard input, so a host's transport keeps a couple of
sessions open and already running it; a command takes one, sends its script and
end-of-file, and reads the result, while a replacement is started in the background.

The pool knows nothing of SSH: ``start`` makes a session ready (or returns ``None`` when
it cannot, for instance because the connection is gone) and ``usable`` says whether one
made earlier still is. Each session is started by a short-lived thread of its own.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Closable(Protocol):
    def close(self) -> None: ...


S = TypeVar("S", bound=Closable)


class SparePool(Generic[S]):
    """Up to ``size`` sessions kept ready in the background; ``take`` hands one out.

    Sessions are started concurrently, each by a short-lived thread: one start takes two
    round trips and a command one, so starts one after another could not keep up with
    commands one after another.
    """

    def __init__(
        self,
        start: Callable[[], S | None],
        usable: Callable[[S], bool],
        size: int = 2,
        name: str = "spares",
    ) -> None:
        self._start = start
        self._usable = usable
        self._size = size
        self._name = name
        self._ready: deque[S] = deque()
        self._starting = 0
        self._paused = False
        self._closed = False
        self._changed = threading.Condition()

    def take(self, wait: float) -> S | None:
        """A ready session, or ``None``: the caller then starts one the ordinary way.

        When none is ready but one is being started, waits up to ``wait`` seconds for it:
        it is already on its way, so that is quicker than starting another. Taking one
        starts a replacement, and resumes a pool that paused after a failure.
        """
        with self._changed:
            if self._closed:
                return None
            self._paused = False
            session = self._pop_usable()
            if session is None and self._starting:
                self._changed.wait_for(lambda: bool(self._ready) or not self._starting, wait)
                session = self._pop_usable()
            self._top_up()
            return session

    def discard(self) -> None:
        """Close every ready session (the connection they belong to is being replaced)."""
        with self._changed:
            stale = list(self._ready)
            self._ready.clear()
        for session in stale:
            session.close()

    def close(self) -> None:
        """Stop making sessions and close the ready ones; their shells read end-of-file.

        Does not wait for sessions being started: each is closed when it arrives.
        """
        with self._changed:
            self._closed = True
        self.discard()

    def _pop_usable(self) -> S | None:
        while self._ready:
            session = self._ready.popleft()
            if self._usable(session):
                return session
            session.close()
        return None

    def _top_up(self) -> None:
        """Start as many sessions as are missing (the lock is held)."""
        while not self._paused and len(self._ready) + self._starting < self._size:
            self._starting += 1
            threading.Thread(target=self._start_one, name=self._name, daemon=True).start()

    def _start_one(self) -> None:
        try:
            session = self._start()
        except Exception:  # a spare that cannot start is simply not kept
            session = None
        with self._changed:
            self._starting -= 1
            if session is None:
                # The connection is down or refuses sessions: the caller's own path
                # reports that; try again when the next command asks.
                self._paused = True
            elif self._closed:
                session.close()
            else:
                self._ready.append(session)
            self._changed.notify_all()
