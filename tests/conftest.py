"""For the whole session: the command's page cache lives in the session's tmp directory.

Commands run by the tests (in-process or as subprocesses, which inherit the environment)
would otherwise fill the developer's ``~/.cache/runbook``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runbook.docutils_.pagecache import CACHE_DIR_ENV


@pytest.fixture(scope="session", autouse=True)
def page_cache_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(tmp_path_factory.mktemp("page-cache")))
        yield
