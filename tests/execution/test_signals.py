"""Stop signals: the first one interrupts the run, later ones never cut the stop short."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from runbook.execution.signals import STOP_SIGNALS, stop_on_signals


@pytest.fixture(autouse=True)
def handlers_restored() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def test_the_first_signal_interrupts_and_the_rest_are_ignored_until_exit() -> None:
    with pytest.raises(KeyboardInterrupt, match="SIGTERM"), stop_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        finally:
            os.kill(os.getpid(), signal.SIGINT)  # while stopping: ignored
    # Stopped: a signal between the summary and the exit must not kill the process.
    assert all(signal.getsignal(number) == signal.SIG_IGN for number in STOP_SIGNALS)
    os.kill(os.getpid(), signal.SIGTERM)


def test_a_block_that_was_not_interrupted_gives_the_handlers_back() -> None:
    before = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    with stop_on_signals():
        assert signal.getsignal(signal.SIGTERM) != before[signal.SIGTERM]
    assert {number: signal.getsignal(number) for number in STOP_SIGNALS} == before
