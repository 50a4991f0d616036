"""The command reference as a reader copies it: exactly what ``runbook --help`` prints."""

from __future__ import annotations

import pytest

from runbook.cli.main import build_parser
from runbook.sphinx_ext.command_reference import USAGE_WIDTH, subcommands

pytestmark = pytest.mark.browser


def _clipboard(page) -> str:
    return page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, (e) => done('ERROR ' + e));"
    )


def test_copied_usage_and_options_are_the_commands_own_text(browser, command_url):
    import argparse

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": command_url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    browser.get(f"{command_url}/index.html")
    parser = dict((name, sub) for name, _help, sub in subcommands(build_parser()))["export"]
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=USAGE_WIDTH)
    expected = parser.format_usage().strip().removeprefix("usage: ")
    expected = "\n".join(line.removeprefix(" " * len("usage: ")) for line in expected.splitlines())

    section = browser.find_element(By.ID, "command-runbook-export")
    block = section.find_element(By.CSS_SELECTOR, ".rb-usage")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", block)
    button = block.find_element(By.CSS_SELECTOR, "button.copybtn")
    ActionChains(browser).move_to_element(block).click(button).perform()
    assert _clipboard(browser) == expected
    assert "--check" in expected

    # The options and the description are shown as the parser has them: no en dash for
    # "--", no ellipsis for "...".
    shown = section.text
    for option in ("--check", "--output", "--no-cache"):
        assert option in shown
    assert parser.description.split("\n")[0].split(". ")[0] in shown.replace("\n", " ")
    for typographic in ("\u2013", "\u2014", "\u2026"):
        assert typographic not in shown
