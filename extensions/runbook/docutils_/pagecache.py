"""The command's cache of parsed guide pages, so an unchanged page is read without docutils.

Parsing one MyST page costs more than everything else ``runbook plan`` does, most of it
in importing myst-parser and docutils. Each parsed page's scenarios and problems are kept
in ``$RUNBOOK_CACHE_DIR/pages`` (default ``$XDG_CACHE_HOME/runbook``, else
``~/.cache/runbook``), one file per page, and given back only for exactly the same input:

- the page's text (a BLAKE2 digest of it: the loader has read every page anyway to find
  the one declaring a scenario, so hashing is nearly free, and unlike size and mtime it
  cannot be fooled by an edit within the clock's granularity or a restored timestamp);
- the page's path as given and its document name, which the model's locations carry;
- the parsing code: this program's version and its parsing modules' sizes and
  modification times (the package is installed editable, so the version alone does not
  change when the code does), and the installed docutils, myst-parser and markdown-it.

A page whose parse reads other files (an ``include``, a ``legacy-scenario``) is not
cached (the loader decides): its result depends on files the key does not cover.

Entries are pickles, and loading a pickle can run code, so the directory must be the
user's own: it is created mode 0700 (entries 0600), and it is not used at all when it
belongs to someone else or others may write to it. An entry that is truncated, corrupt,
unreadable or from another version is ignored and written again; a directory that cannot
be created or written means no caching, never an error. Writes go to a temporary file
renamed into place, so concurrent runs read either the old entry or the new one.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import pickle
import stat
import sys
from pathlib import Path

from runbook.model import Scenario
from runbook.model.problems import Problem

__all__ = ["CACHE_DIR_ENV", "CACHE_ENV", "PageCache", "default_cache_dir"]

CACHE_DIR_ENV = "RUNBOOK_CACHE_DIR"
#: ``RUNBOOK_CACHE=0`` turns the cache off, as ``--no-cache`` does.
CACHE_ENV = "RUNBOOK_CACHE"
#: Bumped when an entry's layout changes.
ENTRY_FORMAT = 3
#: Packages whose code makes the parse: this program's parsing layers and the parsers.
_OWN_PARTS = ("model", "parsing", "docutils_")
_PARSERS = ("docutils", "myst_parser", "markdown_it", "mdit_py_plugins")

Parsed = tuple[list[Scenario], list[Problem]]


def default_cache_dir() -> Path:
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "runbook"


class PageCache:
    """Parsed pages under one private directory; every failure is a miss, never an error."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def open(cls, enabled: bool = True) -> PageCache | None:
        """The user's cache, or None when it is turned off or cannot be trusted or made."""
        if not enabled or os.environ.get(CACHE_ENV, "").strip() == "0":
            return None
        directory = default_cache_dir() / "pages"
        try:
            missing = [level for level in (directory, *directory.parents) if not level.exists()]
            for level in reversed(missing):
                level.mkdir(mode=0o700, exist_ok=True)
            if not (_private(directory.parent) and _private(directory)):
                return None
        except OSError:
            return None
        return cls(directory)

    def get(self, path: str, docname: str | None, text: str) -> Parsed | None:
        """What parsing ``text`` as ``path`` gave before, if it is kept and still valid."""
        key = _key(path, docname, text)
        try:
            with open(self._entry(path, docname), "rb") as file:
                data = file.read()
            header, _, body = data.partition(b"\n")
            if header != key:
                return None
            scenarios, problems = pickle.loads(body)
        except Exception:  # missing, unreadable, truncated, corrupt, or of another version
            return None
        if not (
            isinstance(scenarios, list)
            and isinstance(problems, list)
            and all(isinstance(s, Scenario) for s in scenarios)
            and all(isinstance(p, Problem) for p in problems)
        ):
            return None
        return scenarios, problems

    def put(self, path: str, docname: str | None, text: str, parsed: Parsed) -> None:
        """Keep ``parsed`` for the next run; silently nothing if it cannot be written."""
        entry = self._entry(path, docname)
        data = _key(path, docname, text) + b"\n" + pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL)
        temporary = entry.with_name(f".{entry.name}.{os.getpid()}.{os.urandom(4).hex()}")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(descriptor, "wb") as file:
                    file.write(data)
                os.replace(temporary, entry)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        except OSError:
            return

    def _entry(self, path: str, docname: str | None) -> Path:
        """One file per page: later edits of the page replace it rather than pile up."""
        name = "\0".join((os.path.abspath(path), path, docname or ""))
        return self.directory / f"{hashlib.blake2b(name.encode(), digest_size=16).hexdigest()}"


def _key(path: str, docname: str | None, text: str) -> bytes:
    digest = hashlib.blake2b(digest_size=32)
    for part in (_code_fingerprint(), path, docname or "", text):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest().encode()


@functools.cache
def _code_fingerprint() -> str:
    """This version of the parsing code, by version and by its files' sizes and mtimes."""
    import runbook

    files: list[str] = []
    root = Path(runbook.__file__).parent
    for part in _OWN_PARTS:
        files += sorted(str(path) for path in (root / part).glob("*.py"))
    for package in _PARSERS:
        spec = importlib.util.find_spec(package)
        files.append(str(spec.origin) if spec is not None else package)
    signature = [f"{ENTRY_FORMAT}", runbook.__version__, sys.version]
    for file in files:
        try:
            status = os.stat(file)
            signature.append(f"{file}:{status.st_size}:{status.st_mtime_ns}")
        except OSError:
            signature.append(f"{file}:missing")
    return "\n".join(signature)


def _private(directory: Path) -> bool:
    """Owned by this user and writable by no one else: safe to load pickles from."""
    status = directory.stat()
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.getuid()
        and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )
