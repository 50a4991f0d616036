"""For the whole session: the command's page cache lives in the session's tmp directory,
and hypothesis runs under the profile of where it runs.

Commands run by the tests (in-process or as subprocesses, which inherit the environment)
would otherwise fill the developer's ``~/.cache/runbook``.

Hypothesis profiles: ``ci`` (chosen when the ``CI`` environment variable is set) replays,
read-only, the examples kept in ``tests/hypothesis-examples``, then draws new ones from a
fixed seed (hypothesis refuses ``derandomize`` together with a database; a fixed seed is the
same derandomization), so every CI run tries the same examples; ``dev`` (the default)
explores new examples and saves the failing ones in that directory, to be committed with
their fix. ``HYPOTHESIS_PROFILE=ci`` picks a profile by hand, ``--hypothesis-seed`` a seed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase

from runbook.docutils_.pagecache import CACHE_DIR_ENV

EXAMPLES = DirectoryBasedExampleDatabase(Path(__file__).parent / "hypothesis-examples")
settings.register_profile("dev", database=EXAMPLES)
settings.register_profile("ci", database=ReadOnlyDatabase(EXAMPLES), print_blob=True)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)
CI_SEED = "0"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Under the ``ci`` profile, hypothesis draws from a fixed seed unless one is given."""
    if PROFILE == "ci" and config.getoption("hypothesis_seed", None) is None:
        config.option.hypothesis_seed = CI_SEED


@pytest.fixture(scope="session", autouse=True)
def page_cache_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(tmp_path_factory.mktemp("page-cache")))
        yield
