"""A reader's view of a scenario page in a real browser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# The command of step 3 of the test guide's galera scenario, as written in its source.
STEP_3_COMMAND = "systemctl restart mariadb"


@pytest.fixture
def page(browser, base_url):
    browser.get_log("browser")  # start each test with an empty console
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {
            "origin": base_url,
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        },
    )
    browser.get(f"{base_url}/galera.html")
    return browser


def test_the_page_loads_without_console_errors(page):
    errors = [
        entry
        for entry in page.get_log("browser")
        # The browser asks for /favicon.ico by itself; the guide does not link one.
        if entry["level"] == "SEVERE" and "/favicon.ico " not in entry["message"]
    ]
    assert errors == []
    assert page.title.startswith("MariaDB Galera cluster")


def test_the_copy_button_copies_exactly_the_step_command(page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    step = page.find_element(By.ID, "galera-3")
    command = step.find_element(By.CSS_SELECTOR, ".rb-command")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", command)
    button = command.find_element(By.CSS_SELECTOR, "button.copybtn")
    ActionChains(page).move_to_element(command).click(button).perform()
    copied = page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, (e) => done('ERROR ' + e));"
    )
    assert copied == STEP_3_COMMAND


def test_a_step_anchor_scrolls_the_step_to_the_top(page, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page.set_window_size(1280, 720)  # short enough for every step to reach the top
    page.get(f"{base_url}/galera.html#galera-2")
    top_of_step = "return document.getElementById('galera-2').getBoundingClientRect().top"
    WebDriverWait(page, 5).until(lambda driver: driver.execute_script(top_of_step) < 200)
    assert page.execute_script("return window.scrollY") > 0
    assert page.execute_script(top_of_step) >= 0
    title = page.find_element(By.CSS_SELECTOR, "#galera-2 .rb-step-title")
    assert "Bootstrap the first node" in title.text


def test_screenshot_of_the_scenario_page(page, site):
    page.set_window_size(1280, 2400)
    path = site.parent / "galera.png"
    assert page.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_on_a_phone_the_variables_default_column_stays_on_screen(page, base_url):
    """The column that says *secret* or *required* is the one a reader must not miss."""
    from selenium.webdriver.common.by import By

    page.set_window_size(390, 844)
    try:
        page.get(f"{base_url}/galera.html")
        width = page.execute_script("return document.documentElement.clientWidth")
        cells = page.find_elements(By.CSS_SELECTOR, "table.rb-variables tbody tr td:last-child")
        assert cells, "the test guide's galera page has a variables table"
        for cell in cells:
            # Scroll the page down to the cell, never sideways: a reader who does not know
            # the table scrolls must still see the column.
            box = page.execute_script(
                "const cell = arguments[0];"
                "window.scrollTo(0, cell.getBoundingClientRect().top + window.scrollY - 100);"
                "return cell.getBoundingClientRect();",
                cell,
            )
            assert box["left"] >= 0 and box["right"] <= width, (cell.text, box, width)
    finally:
        page.set_window_size(1280, 2400)
