"""The one bounded reader for every file a user names: regular files only, a size limit, UTF-8.

Guide sources, ``include`` files, legacy ``.scenario`` files and their test scripts,
inventories and variables files (``-i``, ``-e @file``) all come through
:func:`read_user_file`, so none of them can be ``/dev/zero``, a FIFO or a directory, none
is read past :data:`MAX_BYTES`, and text that is not UTF-8 is reported at its line.
docs/reference/authoring.md ("Files the guide reads") is the author's page.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from runbook.errors import ParseError
from runbook.model import SourceLocation

#: The most bytes read from any one file: far above any real guide page or inventory,
#: far below what would hurt the machine.
MAX_BYTES = 8 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_user_file(
    path: Path | str, *, what: str, within: Path | str | None = None, limit: int = MAX_BYTES
) -> str:
    """The UTF-8 text of the regular file ``path``; ParseError naming ``what`` otherwise.

    ``what`` says who named the file (``include``, ``-e @file``, ...), for the message.
    ``within``, when given, is a directory the file must be inside once symbolic links
    are resolved. A UTF-8 byte order mark is dropped.
    """
    path = Path(path)
    try:
        _refuse_special(os.stat(path).st_mode, path, what)
        if within is not None:
            check_within(path, Path(within), what=what)
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ParseError(f"cannot read {path} ({what}): no such file") from None
    except OSError as error:
        raise _unreadable(path, what, error) from None
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        _refuse_special(info.st_mode, path, what)
        if info.st_size > limit:
            raise _too_big(path, what, limit)
        try:
            raw = file.read(limit + 1)
        except OSError as error:
            raise _unreadable(path, what, error) from None
    if len(raw) > limit:
        raise _too_big(path, what, limit)
    return decode_text(raw, str(path))


def decode_text(raw: bytes, path: str) -> str:
    """``raw`` as UTF-8 text (a byte order mark dropped); ParseError at the line otherwise."""
    where = SourceLocation(path)
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise ParseError("the file contains a NUL byte; is it a text file?", where.at(line))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise ParseError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {column}); "
            "convert the file to UTF-8 (iconv -f LATIN1 -t UTF-8, or save it as UTF-8)",
            where.at(line),
        ) from None


def check_within(path: Path, root: Path, *, what: str) -> None:
    """ParseError unless ``path`` (symbolic links resolved) lies inside directory ``root``."""
    resolved = Path(os.path.realpath(path))
    top = Path(os.path.realpath(root))
    if resolved != top and top not in resolved.parents:
        raise ParseError(
            f"cannot read {path} ({what}): it is outside the guide's project {top}, and the "
            "guide reads only files inside it (docs/reference/authoring.md); move or copy "
            "the file there"
        )


def project_root(sources: Path | str) -> Path:
    """The directory a guide's files must stay in: the nearest holding ``conf.py``.

    That is Sphinx's configuration directory, the top of a guide's project (its
    ``scenarios/`` beside its ``docs/``); without one above ``sources``, ``sources``.
    """
    start = Path(os.path.realpath(sources))
    for directory in (start, *start.parents):
        if (directory / "conf.py").is_file():
            return directory
    return start


def _refuse_special(mode: int, path: Path, what: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    raise ParseError(f"cannot read {path} ({what}): it is {kind}, not a regular file")


def _unreadable(path: Path, what: str, error: OSError) -> ParseError:
    return ParseError(f"cannot read {path} ({what}): {error.strerror or error}")


def _too_big(path: Path, what: str, limit: int) -> ParseError:
    return ParseError(
        f"cannot read {path} ({what}): it is larger than {limit // (1024 * 1024)} MiB, "
        "the most read from one file; is it the right file?"
    )
