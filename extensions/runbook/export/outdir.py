"""The export directory: files written atomically, never a file runbook export did not write.

``runbook export -o DIR`` may be pointed at any directory, ``-o .`` included, so the
writer keeps a manifest, ``.runbook-export.json``, of the files it wrote and their
sha256. It replaces or removes only files listed there and unchanged since; anything
else in DIR (a user's file, a symbolic link, a directory, a listed file edited by hand)
makes it refuse before writing anything, unless ``force`` (``--force``) allows writing
over or beside such files; even then it never deletes them and never follows a link.

Every path is opened relative to a descriptor of DIR without following links, and every
file is written to a temporary file in DIR and renamed over its name, so a killed export
leaves each file whole: old or new. The manifest first records the new digests as
``pending``, so files of an export killed half-way are still known as its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from runbook.errors import ExportError
from runbook.export import selfcheck

MANIFEST = ".runbook-export.json"
#: Temporary files are hidden and named so a later export knows them as its own leftovers.
TEMP_PREFIX = ".runbook-export-tmp-"
EXECUTABLE = (".sh",)
FORCE_HINT = (
    "nothing was written; move those files away, or pass --force to write over or beside "
    "files runbook export did not write (it never deletes them)"
)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(hashes: Mapping[str, str], pending: Mapping[str, str] | None = None) -> str:
    """The manifest for files with these sha256 ``hashes``; the same files, the same bytes."""
    document: dict[str, object] = {
        "generated": "by `runbook export`: the files it wrote here and their sha256",
        "version": 1,
        "files": dict(sorted(hashes.items())),
    }
    if pending:
        document["pending"] = dict(sorted(pending.items()))
    return json.dumps(document, indent=2) + "\n"


def expected_manifest(files: Mapping[str, str]) -> str:
    """The manifest a full export of ``files`` leaves in its directory."""
    return manifest_text({name: digest(text.encode("utf-8")) for name, text in files.items()})


@dataclass
class Manifest:
    """What a previous export recorded: ``files`` it wrote and ``pending`` new digests."""

    files: dict[str, str] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)

    def names(self) -> set[str]:
        return set(self.files) | set(self.pending)

    def owns(self, name: str, data: bytes) -> bool:
        """Whether ``data`` at ``name`` is what an export wrote there (so it may go)."""
        return digest(data) in {self.files.get(name), self.pending.get(name)}


def parse_manifest(data: bytes) -> Manifest | None:
    """The manifest in ``data``, or None when it is not one this writer wrote."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("version") != 1:
        return None
    tables = [document.get("files", {}), document.get("pending", {})]
    for table in tables:
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            return None
    return Manifest(dict(tables[0]), dict(tables[1]))


class Directory:
    """An open directory; every name is looked up in it without following links."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    def kind(self, name: str) -> str:
        """``missing``, ``file``, ``link``, ``directory`` or ``other``."""
        try:
            mode = os.stat(name, dir_fd=self.fd, follow_symlinks=False).st_mode
        except FileNotFoundError:
            return "missing"
        if stat.S_ISREG(mode):
            return "file"
        if stat.S_ISLNK(mode):
            return "link"
        if stat.S_ISDIR(mode):
            return "directory"
        return "other"

    def read(self, name: str) -> bytes:
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        fd = os.open(name, flags, dir_fd=self.fd)
        with os.fdopen(fd, "rb") as handle:
            return handle.read()

    def names(self) -> list[str]:
        return sorted(os.listdir(self.fd))

    def replace(self, name: str, data: bytes, mode: int) -> None:
        """Write ``name`` through a temporary file and a rename: whole or not at all."""
        temp = f"{TEMP_PREFIX}{secrets.token_hex(6)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(temp, flags, 0o600, dir_fd=self.fd)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
            os.replace(temp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except BaseException:
            with suppress(OSError):
                os.unlink(temp, dir_fd=self.fd)
            raise

    def unlink(self, name: str) -> None:
        os.unlink(name, dir_fd=self.fd)


@contextmanager
def opened(path: Path, *, create: bool) -> Iterator[Directory | None]:
    """``path`` as a :class:`Directory`; None when it is missing and ``create`` is false."""
    try:
        if create:
            path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError as error:
        if create:
            raise ExportError(
                f"{path}: cannot create the output directory: {reason(error)}"
            ) from None
        yield None
        return
    except OSError as error:
        message = f"{path}: cannot use it as the output directory: {reason(error)}"
        raise ExportError(message) from None
    try:
        yield Directory(path, fd)
    finally:
        os.close(fd)


def reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower() if error.errno else str(error)


def read_manifest(directory: Directory, problems: list[str], *, force: bool) -> Manifest:
    """The previous export's manifest (empty when there is none)."""
    kind = directory.kind(MANIFEST)
    if kind == "missing":
        return Manifest()
    path = directory.path / MANIFEST
    manifest = parse_manifest(directory.read(MANIFEST)) if kind == "file" else None
    if manifest is None:
        if not force:
            problems.append(f"{path}: not a manifest runbook export wrote")
        return Manifest()
    return manifest


@dataclass
class Plan:
    """What one export will do in its directory; made in full before anything is written."""

    writes: dict[str, bytes] = field(default_factory=dict)
    removals: list[str] = field(default_factory=list)
    #: the manifest's ``files`` once the export is done
    owned: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _describe(kind: str) -> str:
    return {
        "link": "is a symbolic link (runbook export never follows links)",
        "directory": "is a directory",
        "other": "is not a regular file",
    }[kind]


def plan_write(
    files: Mapping[str, bytes],
    directory: Directory,
    *,
    prune: bool,
    force: bool,
    ignore: Collection[str],
) -> Plan:
    """Decide every write and removal, and every reason to refuse, before touching a file."""
    plan = Plan()
    manifest = read_manifest(directory, plan.problems, force=force)
    listed = manifest.names()
    for name, data in files.items():
        path = directory.path / name
        kind = directory.kind(name)
        plan.owned[name] = digest(data)
        if kind == "missing":
            plan.writes[name] = data
        elif kind == "directory" or kind == "other":
            plan.problems.append(f"{path}: {_describe(kind)} where the export writes a file")
        elif kind == "link":
            if force:
                plan.writes[name] = data  # the rename replaces the link, never its target
            else:
                plan.problems.append(f"{path}: {_describe(kind)}")
        else:
            old = directory.read(name)
            if old == data:
                continue
            if force or manifest.owns(name, old):
                plan.writes[name] = data
            elif name in listed:
                plan.problems.append(f"{path}: changed since runbook export wrote it")
            else:
                plan.problems.append(f"{path}: not written by runbook export")
    for name in directory.names():
        if name in files or name == MANIFEST or name in ignore or name.startswith(TEMP_PREFIX):
            continue
        path = directory.path / name
        kind = directory.kind(name)
        if name not in listed:
            if not force:
                plan.problems.append(f"{path}: not written by runbook export")
        elif kind == "file" and manifest.owns(name, old := directory.read(name)):
            if prune:
                plan.removals.append(name)
            else:
                plan.owned[name] = digest(old)
        elif not force:
            plan.problems.append(f"{path}: changed since runbook export wrote it")
    return plan


def write(
    files: Mapping[str, str],
    outdir: Path,
    *,
    prune: bool = True,
    force: bool = False,
    ansible: bool = False,
    ignore: Collection[str] = (),
) -> list[Path]:
    """Write ``files`` under ``outdir``; ``prune`` removes the exports of scenarios now gone.

    Every file is checked by its own tool first (``ansible``: with ansible-playbook too),
    then every decision is made; any problem raises :class:`ExportError` with nothing
    written. ``ignore`` names entries of ``outdir`` that belong to someone else and stay
    (Sphinx's ``.doctrees``). Returns the paths whose content changed or went away.
    """
    broken = selfcheck.problems(files, ansible=ansible)
    if broken:
        raise ExportError(broken[0], broken)
    data = {name: text.encode("utf-8") for name, text in files.items()}
    try:
        return _write(data, outdir, prune=prune, force=force, ignore=ignore)
    except OSError as error:
        where = outdir / error.filename if isinstance(error.filename, str) else outdir
        raise ExportError(f"{where}: {reason(error)}") from None


def _write(
    data: Mapping[str, bytes],
    outdir: Path,
    *,
    prune: bool,
    force: bool,
    ignore: Collection[str],
) -> list[Path]:
    with opened(outdir, create=False) as existing:
        if existing is not None:
            plan = plan_write(data, existing, prune=prune, force=force, ignore=ignore)
        else:
            plan = Plan(writes=dict(data), owned={n: digest(d) for n, d in data.items()})
    if plan.problems:
        raise ExportError(plan.problems[0], [*plan.problems, FORCE_HINT])
    final = manifest_text(plan.owned).encode("utf-8")
    with opened(outdir, create=True) as directory:
        assert directory is not None
        if not plan.writes and not plan.removals:
            if directory.kind(MANIFEST) != "file" or directory.read(MANIFEST) != final:
                directory.replace(MANIFEST, final, 0o644)
            return []
        old = read_manifest(directory, [], force=True)
        pending = {name: digest(content) for name, content in plan.writes.items()}
        _replace(directory, MANIFEST, manifest_text(old.files, pending).encode("utf-8"))
        for name, content in plan.writes.items():
            _replace(directory, name, content)
        for name in plan.removals:
            directory.unlink(name)
        _replace(directory, MANIFEST, final)
    return [outdir / name for name in sorted([*plan.writes, *plan.removals])]


def _replace(directory: Directory, name: str, content: bytes) -> None:
    try:
        directory.replace(name, content, 0o755 if name.endswith(EXECUTABLE) else 0o644)
    except OSError as error:
        raise ExportError(f"{directory.path / name}: cannot write it: {reason(error)}") from None


def differences(files: Mapping[str, str], outdir: Path, *, prune: bool = True) -> list[str]:
    """What differs between ``outdir`` and ``files``, one line per path; empty when equal.

    Reads without following links and without decoding, so nothing found there (a
    directory, a link, a file that is not UTF-8) can stop the comparison. With ``prune``
    the manifest is compared too, and files the guide no longer produces are differences.
    """
    expected = {name: text.encode("utf-8") for name, text in files.items()}
    if prune:
        expected[MANIFEST] = expected_manifest(files).encode("utf-8")
    try:
        with opened(outdir, create=False) as directory:
            if directory is None:
                return [f"{outdir}: missing"]
            return _differences(expected, directory, prune=prune)
    except ExportError as error:
        return error.problems
    except OSError as error:
        return [f"{outdir}: cannot read it: {reason(error)}"]


def _differences(expected: Mapping[str, bytes], directory: Directory, *, prune: bool) -> list[str]:
    problems = []
    listed = read_manifest(directory, [], force=True).names()
    for name, data in expected.items():
        path = directory.path / name
        kind = directory.kind(name)
        if kind == "missing":
            problems.append(f"{path}: missing")
        elif kind != "file":
            problems.append(f"{path}: {_describe(kind)}, not a file of the export")
        elif directory.read(name) != data:
            problems.append(f"{path}: differs from what the guide generates")
    if prune:
        for name in directory.names():
            if name in expected or name.startswith(TEMP_PREFIX):
                continue
            path = directory.path / name
            if name in listed:
                problems.append(f"{path}: not produced by the guide any more")
            else:
                problems.append(f"{path}: not written by runbook export")
    return problems
