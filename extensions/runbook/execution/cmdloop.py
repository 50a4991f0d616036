"""A host's command loop: one SSH channel running a small bash loop that runs every script.

A session per command costs the host an sshd session (a fork, its bookkeeping, a new
shell) and the runner a dozen SSH messages; on a fleet of hosts sharing a few cores that,
not the network, bounds how fast steps go (bench/, figure 3). The loop keeps one channel
open per host. For each command the runner writes a header line (the script's length and
a random marker) and the script; the loop runs the script in a shell of its own (a fork
of the loop's shell, in a process group of its own thanks to ``set -m``) that prints the
marker (with its pid on standard output) and sources the script from a pipe, then the
loop prints the marker again with the exit status, on standard output and on standard
error. :class:`LoopOutput` cuts the command's own output out of the two streams.

What stays as it was with a session per command: every script runs in a new shell
process reading its text from standard input, never from a command line, and nothing but
files carries over from one to the next; its process group is its own, which a timeout
kills whole; stdout, stderr and exit status are the command's own. What differs: ``$$``
is the loop's pid, the same for every command of a run on that host (``$BASHPID`` is the
command's own), and a background process that keeps writing to the output after its
command ended no longer dies of a closed pipe; what it writes between commands is dropped.
"""

from __future__ import annotations

import secrets

from runbook.execution.shell import quote

#: The loop. Its own stderr goes to /dev/null (bash would report a script killed by a
#: signal there); the scripts' and the markers' stderr go to the channel's, kept on fd 3.
#: ``read -N`` takes exactly the script's bytes (``LC_ALL=C``: bytes, not characters),
#: never the next header. The subshell prints the start markers, the one on stdout with
#: its pid, which ``set -m`` made its process group, forgets the loop's variables, then
#: sources the script from a pipe. A here-string is a pipe only from bash 5.1 on and while
#: it fits the pipe's buffer (64 KiB), beyond which bash writes it to a temporary file, so
#: any other script is fed by a forked ``printf``: a script's text never touches a disk.
LOOP = r"""exec 3>&2 2>/dev/null
set -m
piped=0
(( BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501 )) && piped=60000
while IFS=' ' read -r n id; do
  LC_ALL=C IFS= read -r -N "$n" s || break
  if [ "$n" -lt "$piped" ]; then
    ( printf '\036%s:%s\n' "$id" "$BASHPID"; printf '\036%s\n' "$id" >&2
      unset n id s piped; . /dev/stdin ) <<<"$s" 2>&3 3>&-
  else
    ( printf '\036%s:%s\n' "$id" "$BASHPID"; printf '\036%s\n' "$id" >&2
      unset n id s piped; . /dev/stdin ) < <(printf '%s' "$s") 2>&3 3>&-
  fi
  s=$?
  printf '\036%s %s\n' "$id" "$s" >&3; printf '\036%s %s\n' "$id" "$s"
done
"""
#: The channel's command line: the loop needs bash whatever the login shell is.
LOOP_COMMAND = f"exec bash -c {quote(LOOP)}"

MARK = b"\x1e"
#: Bytes an end marker may take after the marker itself: a space, the status, a newline.
_STATUS_TAIL = 6
#: Bytes kept, before the start marker, of what may be its beginning split across reads.
_START_TAIL = 48


def new_marker() -> str:
    """A marker no script can know in advance: it reaches the host only in the header."""
    return secrets.token_hex(8)


def frame(script: bytes, marker: str) -> bytes:
    """What the loop reads for one command: the header line, then exactly the script."""
    return f"{len(script)} {marker}\n".encode("ascii") + script


class _Stream:
    """One of the two streams: drops what comes before the start marker, ends at the end one.

    The start marker is ``start``, then, when ``with_pid``, the subshell's pid and a newline.
    Markers are found with plain byte searches: a regular expression would be compiled
    afresh for every command, as every command has a marker of its own.
    """

    def __init__(self, marker: bytes, with_pid: bool) -> None:
        self._start = MARK + marker + (b":" if with_pid else b"\n")
        self._with_pid = with_pid
        self._end = MARK + marker + b" "
        self._buffer = bytearray()
        self._scanned = 0
        self.started = False
        self.ended = False
        self.status: int | None = None
        #: The pid the start marker carried; ``b""`` if the loop ended the command without one.
        self.pid: bytes | None = None

    def feed(self, data: bytes) -> None:
        if self.ended:
            return
        self._buffer += data
        if not self.started and not self._find_start():
            return
        self._find_end()

    @property
    def body(self) -> bytes:
        """The command's output so far (all of it once :attr:`ended`)."""
        return bytes(self._buffer) if self.started else b""

    def _find_start(self) -> bool:
        at = self._buffer.find(self._start)
        if at >= 0:
            after = at + len(self._start)
            if self._with_pid:
                newline = self._buffer.find(b"\n", after)
                if newline < 0:
                    return False  # the pid is still on its way
                self.pid = bytes(self._buffer[after:newline])
                after = newline + 1
            else:
                self.pid = b""
            del self._buffer[:after]
        else:
            end = self._buffer.find(self._end)
            if end < 0:
                # Output of an earlier command's background process: dropped.
                del self._buffer[: max(0, len(self._buffer) - _START_TAIL)]
                return False
            # The loop ended the command, but its shell never started: no output.
            self.pid = b""
            del self._buffer[:end]
        self.started = True
        self._scanned = 0
        return True

    def _find_end(self) -> None:
        at = self._buffer.find(self._end, self._scanned)
        while at >= 0:
            newline = self._buffer.find(b"\n", at + len(self._end))
            if newline < 0:
                self._scanned = at
                return  # the rest of the end marker is still on its way
            status = bytes(self._buffer[at + len(self._end) : newline])
            if status.isdigit():
                self.status = int(status)
                self.ended = True
                del self._buffer[at:]
                return
            at = self._buffer.find(self._end, at + 1)
        self._scanned = max(0, len(self._buffer) - len(self._end) - _STATUS_TAIL)


class LoopOutput:
    """One command's part of a loop's output: its pid, its two streams, its exit status."""

    def __init__(self, marker: str) -> None:
        raw = marker.encode("ascii")
        self._stdout = _Stream(raw, with_pid=True)
        self._stderr = _Stream(raw, with_pid=False)

    def feed_stdout(self, data: bytes) -> None:
        self._stdout.feed(data)

    def feed_stderr(self, data: bytes) -> None:
        self._stderr.feed(data)

    @property
    def started(self) -> bool:
        """The script's shell started (or the loop ended the command): it may have run."""
        return self._stdout.started or self._stderr.started

    @property
    def pgid(self) -> int | None:
        """The script's process group; 0 if its shell never started, None until known."""
        pid = self._stdout.pid
        if pid is None:
            return None
        return int(pid) if pid.isdigit() else 0

    @property
    def done(self) -> bool:
        return self._stdout.ended and self._stderr.ended

    @property
    def status(self) -> int | None:
        return self._stdout.status

    @property
    def stdout(self) -> bytes:
        return self._stdout.body

    @property
    def stderr(self) -> bytes:
        return self._stderr.body
