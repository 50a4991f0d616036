"""The verification loop, through the real local transport."""

from __future__ import annotations

import threading
import time

from runbook.execution.shell import script_text
from runbook.execution.transport import LocalTransport
from runbook.execution.verify import run_verification
from runbook.model import Verify


def attempt_of(command: str):
    transport = LocalTransport()
    return lambda remaining: transport.run_script(script_text({}, command), remaining)


def counter(tmp_path) -> str:
    """Prints how many times it ran before (0, 1, 2, ...)."""
    path = tmp_path / "count"
    return f'n=$(cat {path} 2>/dev/null || echo 0); echo $((n + 1)) > {path}; echo "$n"'


def test_a_verification_passes_once_its_output_matches(tmp_path) -> None:
    retries: list[tuple[int, int]] = []
    verdict = run_verification(
        Verify(counter(tmp_path), match="^3$", retries=5, delay=0.05),
        attempt_of(counter(tmp_path)),
        on_retry=lambda n, of, why, delay: retries.append((n, of)),
        cancelled=threading.Event(),
    )
    assert verdict.passed
    assert verdict.attempts == 4
    assert retries == [(1, 6), (2, 6), (3, 6)]


def test_a_verification_that_never_passes_fails_after_all_its_tries(tmp_path) -> None:
    verdict = run_verification(
        Verify("echo no", match="^yes$", retries=2, delay=0.01),
        attempt_of("echo no"),
        on_retry=lambda *_: None,
        cancelled=threading.Event(),
    )
    assert not verdict.passed
    assert verdict.attempts == 3
    assert "does not match '^yes$'" in verdict.reason
    assert "after 3 tries" in verdict.reason


def test_the_expected_exit_status_is_what_passes() -> None:
    verdict = run_verification(
        Verify("exit 3", expect_exit=3),
        attempt_of("exit 3"),
        on_retry=lambda *_: None,
        cancelled=threading.Event(),
    )
    assert verdict.passed


def test_the_timeout_bounds_the_whole_loop_even_with_many_retries() -> None:
    started = time.monotonic()
    verdict = run_verification(
        Verify("false", retries=100, delay=0.2, timeout=1),
        attempt_of("false"),
        on_retry=lambda *_: None,
        cancelled=threading.Event(),
    )
    assert not verdict.passed
    assert time.monotonic() - started < 1.5
    assert "timeout" in verdict.reason


def test_a_hanging_try_is_cut_off_at_the_timeout() -> None:
    started = time.monotonic()
    verdict = run_verification(
        Verify("sleep 30", timeout=1),
        attempt_of("sleep 30"),
        on_retry=lambda *_: None,
        cancelled=threading.Event(),
    )
    assert not verdict.passed
    assert time.monotonic() - started < 3
    assert verdict.last is not None and verdict.last.timed_out
    assert verdict.reason == "timed out after 1s"
    assert b"timed out" not in verdict.last.stderr


def test_cancelling_stops_the_wait_between_tries() -> None:
    cancelled = threading.Event()
    threading.Timer(0.2, cancelled.set).start()
    started = time.monotonic()
    verdict = run_verification(
        Verify("false", retries=5, delay=30),
        attempt_of("false"),
        on_retry=lambda *_: None,
        cancelled=cancelled,
    )
    assert verdict.interrupted
    assert time.monotonic() - started < 5
