"""The testbed's base image: a Debian root built once with debootstrap, cached by content."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from runbook.errors import TestbedError
from runbook.testbed import fs, paths
from runbook.testbed.system import require_tools, run, tail

log = logging.getLogger(__name__)

# Bump when the build steps below change what ends up in the image: it is part of the
# cache key, so every machine then rebuilds instead of booting an image made the old way.
RECIPE_VERSION = 1
SUITE = "bookworm"
MIRROR_ENV = "RUNBOOK_DEBIAN_MIRROR"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
SECURITY_MIRROR_ENV = "RUNBOOK_DEBIAN_SECURITY_MIRROR"
DEFAULT_SECURITY_MIRROR = "http://deb.debian.org/debian-security"

# What a node needs to boot and be reached; debootstrap installs these itself.
BOOT_PACKAGES = ("systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2")

# Installed but not started at boot: a fresh node is "packages installed, nothing
# configured", which is where every scenario of the guide starts (Galera needs its
# bootstrap node, Pacemaker its cluster setup, RabbitMQ its cookie) and it keeps boots fast.
DISABLED_SERVICES = (
    "mariadb.service",
    "rabbitmq-server.service",
    "epmd.service",
    "haproxy.service",
    "keepalived.service",
    "memcached.service",
    "corosync.service",
    "pacemaker.service",
    "pcsd.service",
    "pcsd-ruby.service",
    "keystone.service",
)
ENABLED_SERVICES = ("systemd-networkd.service", "ssh.service")

COMPLETE_MARKER = "COMPLETE.json"


def package_list_text() -> str:
    """The package list shipped with the code (testbed/packages.txt)."""
    return resources.files("runbook.testbed").joinpath("packages.txt").read_text()


def parse_packages(text: str) -> tuple[str, ...]:
    """Package names from the list's text: one a line, ``#`` comments, order kept."""
    names: list[str] = []
    for raw in text.splitlines():
        name = raw.split("#", 1)[0].strip()
        if name and name not in names:
            names.append(name)
    missing = [name for name in BOOT_PACKAGES if name not in names]
    if missing:
        raise TestbedError(f"testbed/packages.txt must list {', '.join(missing)} (nodes boot them)")
    return tuple(names)


def image_key(packages: tuple[str, ...]) -> str:
    """A name for the image that changes whenever its content would."""
    recipe = json.dumps(
        {"recipe": RECIPE_VERSION, "suite": SUITE, "packages": sorted(packages)},
        sort_keys=True,
    )
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Image:
    """One cached image; ``rootfs`` is only ever booted once ``complete`` is true."""

    key: str
    packages: tuple[str, ...]

    @classmethod
    def current(cls) -> Image:
        packages = parse_packages(package_list_text())
        return cls(key=image_key(packages), packages=packages)

    @property
    def path(self) -> Path:
        return paths.image_cache() / self.key

    @property
    def rootfs(self) -> Path:
        return self.path / "rootfs"

    @property
    def complete(self) -> bool:
        return (self.path / COMPLETE_MARKER).is_file()


@contextlib.contextmanager
def _cache_lock() -> Iterator[None]:
    """Serialise builds: two `up` calls at once build the image once, not twice."""
    cache = paths.image_cache()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_image(*, rebuild: bool = False) -> Image:
    """The current image, built first if it is missing, incomplete or ``rebuild`` is asked."""
    image = Image.current()
    if image.complete and not rebuild:
        return image
    with _cache_lock():
        if image.complete and not rebuild:  # another process built it while we waited
            return image
        _build(image)
    return image


def _build(image: Image) -> None:
    """Build in a temporary directory and rename it into place once it is whole.

    The rename is the commit point: an interrupted build leaves only a ``.build-*``
    directory, which the next build removes (with whatever it still had mounted).
    """
    require_tools("debootstrap", "chroot")
    cache = paths.image_cache()
    for stale in cache.glob(".build-*"):
        log.info("removing an interrupted image build: %s", stale)
        fs.remove_tree(stale)
    building = cache / f".build-{image.key}-{os.getpid()}"
    building.mkdir(parents=True)
    build_log = building / "build.log"
    started = time.monotonic()
    try:
        rootfs = building / "rootfs"
        log.info("building the testbed image %s (a few minutes, once per machine)", image.key)
        _debootstrap(rootfs, build_log)
        _install_packages(rootfs, image.packages, build_log)
        _finish_root(rootfs)
        marker = {
            "key": image.key,
            "recipe": RECIPE_VERSION,
            "suite": SUITE,
            "packages": list(image.packages),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.monotonic() - started),
        }
        fs.atomic_write(building / COMPLETE_MARKER, json.dumps(marker, indent=2) + "\n")
        if image.path.exists():  # an incomplete leftover or a forced rebuild
            fs.remove_tree(image.path)
        os.rename(building, image.path)
        log.info("image %s built in %d s", image.key, marker["build_seconds"])
    except BaseException:
        kept = cache / f"failed-build-{image.key}.log"
        if build_log.exists():
            shutil.copyfile(build_log, kept)
        fs.remove_tree(building)
        raise


def _logged(argv: list[str | os.PathLike[str]], build_log: Path, timeout: float) -> None:
    """Run one build step with its (long) output appended to the build log."""
    result = run(argv, check=False, timeout=timeout)
    with open(build_log, "a") as handle:
        handle.write(f"$ {' '.join(map(str, argv))}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise TestbedError(
            f"image build step `{argv[0]}` failed (exit {result.returncode}): "
            f"{tail(result.stdout + result.stderr)}; full log kept in "
            f"{paths.image_cache()}/failed-build-*.log"
        )


def _debootstrap(rootfs: Path, build_log: Path) -> None:
    mirror = os.environ.get(MIRROR_ENV) or DEFAULT_MIRROR
    _logged(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(BOOT_PACKAGES)}",
            SUITE,
            rootfs,
            mirror,
        ],
        build_log,
        timeout=1800,
    )


def _install_packages(rootfs: Path, packages: tuple[str, ...], build_log: Path) -> None:
    """Install the list inside the new root, without letting any package start a daemon."""
    mirror = os.environ.get(MIRROR_ENV) or DEFAULT_MIRROR
    security = os.environ.get(SECURITY_MIRROR_ENV) or DEFAULT_SECURITY_MIRROR
    (rootfs / "etc/apt/sources.list").write_text(
        f"deb {mirror} {SUITE} main\n"
        f"deb {mirror} {SUITE}-updates main\n"
        f"deb {security} {SUITE}-security main\n"
    )
    # Postinst scripts would otherwise start MariaDB, RabbitMQ... on the host itself.
    policy = rootfs / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    resolv = rootfs / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    shutil.copyfile("/etc/resolv.conf", resolv)
    proc = rootfs / "proc"
    run(["mount", "-t", "proc", "proc", proc])
    try:
        env = ["env", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C.UTF-8"]
        _logged([*env, "chroot", rootfs, "apt-get", "update"], build_log, timeout=900)
        _logged(
            [
                *env,
                "chroot",
                rootfs,
                "apt-get",
                "install",
                "-y",
                "--no-install-recommends",
                "-o",
                "Dpkg::Options::=--force-confold",
                *packages,
            ],
            build_log,
            timeout=1800,
        )
        _logged([*env, "chroot", rootfs, "apt-get", "clean"], build_log, timeout=300)
    finally:
        fs.unmount_under(proc)
    policy.unlink()
    # Nodes have no DNS and no route out: names come from /etc/hosts only.
    resolv.unlink()
    resolv.write_text("")


def _finish_root(rootfs: Path) -> None:
    """Make the root a template: nothing in it may be the same on two nodes."""
    # Each node gets its own host keys and machine id when it is created.
    for key in (rootfs / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (rootfs / "etc/machine-id").write_text("")
    (rootfs / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    (rootfs / "etc/hostname").write_text("localhost\n")
    present = [
        unit
        for unit in DISABLED_SERVICES
        if any(
            (rootfs / base / unit).exists() for base in ("lib/systemd/system", "etc/systemd/system")
        )
    ]
    if present:
        run(["systemctl", f"--root={rootfs}", "disable", *present])
    run(["systemctl", f"--root={rootfs}", "enable", *ENABLED_SERVICES])


def cached_keys() -> list[str]:
    cache = paths.image_cache()
    if not cache.is_dir():
        return []
    return sorted(p.name for p in cache.iterdir() if (p / COMPLETE_MARKER).is_file())


def prune(keep: set[str]) -> list[str]:
    """Remove cached images other than ``keep`` (and leftovers of failed builds)."""
    removed = []
    with _cache_lock():
        for entry in sorted(paths.image_cache().iterdir()):
            if entry.name == ".lock" or entry.name in keep:
                continue
            if entry.is_dir():
                fs.remove_tree(entry)
            else:
                entry.unlink()
            removed.append(entry.name)
    return removed
