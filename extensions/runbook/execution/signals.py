"""SIGTERM stops a run exactly as Ctrl-C does, and a second signal cannot tear the stop.

A service manager, ``timeout`` or a CI job ends a process with SIGTERM, not SIGINT; both
must leave the same consistent journal (the step in flight marked ``interrupted``) and
stop the remote commands. The first signal raises :class:`KeyboardInterrupt` in the main
thread, where the runner handles it; later ones are ignored while the run winds down, so
an impatient second Ctrl-C cannot cut the journal or the remote clean-up short (every
part of stopping is bounded by the connection timeouts). A stopped run ends its process
(exit 130), so once a signal was received they stay ignored after the block too: a
signal landing between the summary and the exit must not turn 130 into "killed".
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise KeyboardInterrupt once, then are ignored.

    After the block the previous handlers come back, unless a signal was received: the
    caller is then winding down to its exit, and further stop signals stay ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if received:
            return
        received.append(signum)
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {number: signal.signal(number, handler) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, signal.SIG_IGN if received else old)
