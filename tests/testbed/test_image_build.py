"""The image build's promises: atomic, interrupted builds cleaned up, never booted half-made."""

from __future__ import annotations

import os

import pytest

from runbook.errors import TestbedError
from runbook.testbed import fs, image
from runbook.testbed.system import run

pytestmark = pytest.mark.testbed


@pytest.fixture
def fake_steps(isolated_roots, monkeypatch):
    """The build's slow steps replaced by ones that write a tiny root.

    Only the bookkeeping around the steps (temporary directory, completion marker,
    clean-up of a build cut short) is under test here; the real debootstrap build runs
    in every CI run, when the first testbed fixture builds the cached image.
    """
    if os.geteuid() != 0:
        # CI runs as root, so this never skips there; a developer without root can
        # still run the rest of the suite.
        if os.environ.get("CI"):
            pytest.fail("the image build tests need root, and CI runs as root")
        pytest.skip("mounting needs root")
    calls = []

    def debootstrap(rootfs, build_log):
        (rootfs / "etc").mkdir(parents=True)
        calls.append("debootstrap")

    monkeypatch.setattr(image, "_debootstrap", debootstrap)
    monkeypatch.setattr(image, "_install_packages", lambda *args: calls.append("install"))
    monkeypatch.setattr(image, "_finish_root", lambda rootfs: calls.append("finish"))
    return calls


def test_a_build_left_half_way_with_a_mount_inside_is_removed_and_rebuilt(fake_steps):
    cache = image.paths.image_cache()
    stale_proc = cache / ".build-old-123" / "rootfs" / "proc"
    stale_proc.mkdir(parents=True)
    run(["mount", "-t", "tmpfs", "tmpfs", stale_proc])
    (stale_proc / "keep-me-out-of-rm").write_text("")
    try:
        built = image.ensure_image()
    finally:
        fs.unmount_under(cache / ".build-old-123")
    assert built.complete and built.rootfs.is_dir()
    assert not list(cache.glob(".build-*"))
    assert fs.mounts_under(cache) == []
    assert fake_steps == ["debootstrap", "install", "finish"]


def test_an_interrupted_build_leaves_no_image_to_boot(fake_steps, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(image, "_install_packages", interrupted)
    with pytest.raises(KeyboardInterrupt):
        image.ensure_image()
    current = image.Image.current()
    assert not current.complete and not current.path.exists()
    assert not list(image.paths.image_cache().glob(".build-*"))


def test_a_missing_debootstrap_is_named_with_its_package(isolated_roots, monkeypatch):
    import shutil

    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda tool: None if tool == "debootstrap" else real_which(tool)
    )
    with pytest.raises(TestbedError, match="Debian package debootstrap"):
        image.ensure_image()
