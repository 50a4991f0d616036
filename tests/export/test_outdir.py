"""`runbook export -o DIR` never loses a file it did not write, never follows a link, and
stops with one line naming the path, nothing half written, when DIR is not fit for it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from runbook.cli.main import main
from runbook.errors import ExportError
from runbook.export import outdir
from runbook.export.outdir import (
    MANIFEST,
    TEMP_PREFIX,
    Manifest,
    expected_manifest,
    manifest_text,
    parse_manifest,
    write,
)

from .helpers import REPO, SOURCES, export

SMALL = str((SOURCES / "small.rst").relative_to(REPO))
LOCAL = str((SOURCES / "local.rst").relative_to(REPO))


@pytest.fixture
def files() -> dict[str, str]:
    return export("small.rst")


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def snapshot(directory: Path) -> dict[str, bytes | str]:
    """Every entry of ``directory``: a file's bytes, else what it is."""
    result: dict[str, bytes | str] = {}
    for path in sorted(directory.iterdir()):
        if path.is_symlink():
            result[path.name] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            result[path.name] = "directory"
        else:
            result[path.name] = path.read_bytes()
    return result


def export_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["export", *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err


def test_a_fresh_export_writes_its_manifest_and_then_nothing_changes(
    files: dict[str, str], tmp_path: Path
) -> None:
    assert len(write(files, tmp_path)) == len(files)
    assert (tmp_path / MANIFEST).read_text() == expected_manifest(files)
    assert set(json.loads(expected_manifest(files))["files"]) == set(files)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert write(files, tmp_path) == []
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before
    assert (tmp_path / "demo.sh").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "demo.yml").stat().st_mode & 0o777 == 0o644


def test_a_users_file_in_dir_is_kept_and_the_export_refuses_unless_forced(
    in_repo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    status, err = export_cli(capsys, SMALL, "-o", str(tmp_path))
    assert status == 1
    assert f"runbook: {tmp_path}/notes.txt: not written by runbook export" in err
    assert "--force" in err
    assert snapshot(tmp_path) == {"notes.txt": b"mine\n"}
    status, err = export_cli(capsys, SMALL, "-o", str(tmp_path), "--force")
    assert status == 0, err
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
    assert "notes.txt" not in json.loads((tmp_path / MANIFEST).read_text())["files"]


def test_export_into_a_checkout_deletes_none_of_its_files(
    in_repo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = tmp_path / "checkout"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "README.md").write_text("the project's own readme\n")
    (checkout / "Makefile").write_text("all:\n")
    before = snapshot(checkout)
    for extra in ([], ["--force"]):
        status, err = export_cli(capsys, "-o", str(checkout), *extra)
        assert status == 1 if not extra else status == 0, err
    after = snapshot(checkout)
    assert after["Makefile"] == before["Makefile"] and after[".git"] == "directory"
    # README.md is an export's name: forced, it is written over, never deleted
    assert set(before) <= set(after)


def test_only_the_exports_own_unchanged_files_are_removed(tmp_path: Path) -> None:
    both = {**export("small.rst"), **export("local.rst")}
    write(both, tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(ExportError):
        write(export("small.rst"), tmp_path)
    (tmp_path / "notes.txt").unlink()
    removed = write(export("small.rst"), tmp_path)
    assert tmp_path / "local-demo.sh" in removed
    assert not (tmp_path / "local-demo.sh").exists()
    assert (tmp_path / MANIFEST).read_text() == expected_manifest(export("small.rst"))


def test_a_listed_file_changed_by_hand_is_named_and_kept(tmp_path: Path) -> None:
    both = {**export("small.rst"), **export("local.rst")}
    write(both, tmp_path)
    (tmp_path / "demo.yml").write_text("edited\n")
    (tmp_path / "local-demo.sh").write_text("edited too\n")
    with pytest.raises(ExportError) as refused:
        write(export("small.rst"), tmp_path)
    assert refused.value.problems[:2] == [
        f"{tmp_path}/demo.yml: changed since runbook export wrote it",
        f"{tmp_path}/local-demo.sh: changed since runbook export wrote it",
    ]
    write(export("small.rst"), tmp_path, force=True)
    assert (tmp_path / "local-demo.sh").read_text() == "edited too\n"  # kept, unlisted
    assert "local-demo.sh" not in json.loads((tmp_path / MANIFEST).read_text())["files"]


def test_a_symbolic_link_in_dir_is_never_followed(
    in_repo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    write(export("small.rst"), out)
    target = tmp_path / "precious"
    target.write_text("outside the directory\n")
    (out / "demo.sh").unlink()
    (out / "demo.sh").symlink_to(target)
    status, err = export_cli(capsys, SMALL, "-o", str(out))
    assert status == 1
    assert f"{out}/demo.sh: is a symbolic link (runbook export never follows links)" in err
    status, err = export_cli(capsys, SMALL, "-o", str(out), "--force")
    assert status == 0, err
    assert target.read_text() == "outside the directory\n"
    assert not (out / "demo.sh").is_symlink()
    status, err = export_cli(capsys, SMALL, "--check", "-o", str(out))
    assert status == 0, err


def test_the_manifest_as_a_link_is_not_followed_either(tmp_path: Path) -> None:
    target = tmp_path / "precious.json"
    target.write_text('{"version": 1, "files": {}}\n')
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).symlink_to(target)
    with pytest.raises(ExportError, match="not a manifest runbook export wrote"):
        write(export("small.rst"), out)
    write(export("small.rst"), out, force=True)
    assert target.read_text() == '{"version": 1, "files": {}}\n'


def test_a_directory_in_the_way_is_one_line_and_nothing_is_written(
    in_repo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site.yml").mkdir()
    for extra in ([], ["--force"]):
        status, err = export_cli(capsys, SMALL, "-o", str(tmp_path), *extra)
        assert status == 1
        assert err.splitlines()[0] == (
            f"runbook: {tmp_path}/site.yml: is a directory where the export writes a file"
        )
        assert snapshot(tmp_path) == {"site.yml": "directory"}
    status, err = export_cli(capsys, SMALL, "--check", "-o", str(tmp_path))
    assert status == 1
    assert f"{tmp_path}/site.yml: is a directory, not a file of the export" in err


@pytest.mark.parametrize("where", ["file/runbooks", "/proc/runbook-export"])
def test_an_unwritable_output_path_is_one_line(
    in_repo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    (tmp_path / "file").write_text("a regular file\n")
    path = tmp_path / where
    status, err = export_cli(capsys, SMALL, "-o", str(path))
    assert status == 1
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"runbook: {path}: cannot ")
    status, err = export_cli(capsys, SMALL, "--check", "-o", str(path))
    assert status == 1
    assert str(path) in err


def test_an_existing_file_that_is_not_utf8_is_handled_like_any_other(
    in_repo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "demo.yml").write_bytes(b"\xff\xfe not UTF-8 \x80\n")
    status, err = export_cli(capsys, SMALL, "-o", str(tmp_path))
    assert status == 1
    assert f"{tmp_path}/demo.yml: not written by runbook export" in err
    status, err = export_cli(capsys, SMALL, "--check", "-o", str(tmp_path))
    assert status == 1
    assert f"{tmp_path}/demo.yml: differs from what the guide generates" in err
    write(export("small.rst"), tmp_path, force=True)  # now its own file, then garbage
    (tmp_path / "demo.json").write_bytes(b"\xff\n")
    status, err = export_cli(capsys, SMALL, "--check", "-o", str(tmp_path))
    assert f"{tmp_path}/demo.json: differs from what the guide generates" in err


def test_an_export_killed_half_way_leaves_whole_files_and_the_next_one_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = export("small.rst")
    write(old, tmp_path)
    changed = ("demo.sh", "site.yml")
    new = {name: text + "# changed\n" if name in changed else text for name, text in old.items()}
    real_replace = os.replace
    calls = []

    def dies_on_the_second_file(src: str, dst: str, *, src_dir_fd: int, dst_dir_fd: int) -> None:
        calls.append(dst)
        if len(calls) == 3:  # the pending manifest, one file, then the kill
            raise KeyboardInterrupt
        real_replace(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    monkeypatch.setattr(outdir.os, "replace", dies_on_the_second_file)
    with pytest.raises(KeyboardInterrupt):
        write(new, tmp_path)
    monkeypatch.setattr(outdir.os, "replace", real_replace)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
    for name in ("demo.sh", "site.yml"):
        assert (tmp_path / name).read_text() in (old[name], new[name])
    write(new, tmp_path)
    assert {name: (tmp_path / name).read_text() for name in new} == new
    assert (tmp_path / MANIFEST).read_text() == expected_manifest(new)
    assert "pending" not in json.loads((tmp_path / MANIFEST).read_text())


def test_a_broken_export_fails_before_anything_is_written(tmp_path: Path) -> None:
    broken = {**export("small.rst"), "demo.sh": "if then fi\n"}
    with pytest.raises(ExportError, match=r"demo\.sh: the export is broken"):
        write(broken, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    for name, text in {"demo.py": "def (:\n", "demo.yml": "a: [\n", "demo.json": "{"}.items():
        with pytest.raises(ExportError, match=name):
            write({**export("small.rst"), name: text}, tmp_path / "out")


NAMES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@settings(max_examples=50)
@given(st.dictionaries(NAMES, st.text("0123456789abcdef", min_size=64, max_size=64), max_size=5))
def test_the_manifest_reads_back_as_what_was_written(hashes: dict[str, str]) -> None:
    manifest = parse_manifest(manifest_text(hashes).encode("utf-8"))
    assert manifest is not None
    assert manifest.files == hashes and manifest.pending == {}


@settings(max_examples=100)
@given(st.binary(max_size=200) | st.text(max_size=100).map(str.encode))
@example(b'{"version": 1, "files": {"a": 1}}')
@example(b'{"version": 1, "files": [], "pending": {}}')
@example(b"[1]")
def test_any_bytes_as_a_manifest_give_a_manifest_or_none(data: bytes) -> None:
    manifest = parse_manifest(data)
    assert manifest is None or isinstance(manifest, Manifest)
