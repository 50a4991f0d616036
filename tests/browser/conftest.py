"""Headless Debian Chromium (through chromedriver) against a built guide on localhost."""

from __future__ import annotations

import contextlib
import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / "tests" / "roots" / "test-rst"
#: The build (and the screenshots) stay in the repository's build directory for CI to keep.
OUT = REPO / "_build" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _build(root: Path, out: Path) -> Path:
    """A test guide built with the real theme and copy button into ``out/html``."""
    from sphinx.application import Sphinx
    from sphinx.testing.util import _clean_up_global_state

    shutil.rmtree(out, ignore_errors=True)
    app = Sphinx(
        srcdir=root,
        confdir=root,
        outdir=out / "html",
        doctreedir=out / "doctrees",
        buildername="html",
        confoverrides={"html_theme": "furo"},
        status=None,
        warningiserror=True,
    )
    try:
        app.build()
    finally:
        _clean_up_global_state()  # as SphinxTestApp does: leave docutils' registries clean
    assert app.statuscode == 0
    return out / "html"


@contextlib.contextmanager
def _serve(directory: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site() -> Path:
    """The test guide built with the real theme and copy button."""
    return _build(ROOT, OUT)


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    with _serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def command_url() -> Iterator[str]:
    """The generated command reference, built and served like the guide."""
    with _serve(_build(REPO / "tests" / "roots" / "test-command", OUT / "command")) as url:
        yield url


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Debian's chromium and chromium-driver are needed: run `make browser-deps`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
