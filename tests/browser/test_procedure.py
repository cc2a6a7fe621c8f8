"""The whole procedure, from `/` to the space after login: with htmx, without JavaScript, by keyboard only."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import shoot
from .journey import SITE, Keyboard, Mouse, whole_procedure

pytestmark = pytest.mark.browser


def arrivals(page, mode, swapped):
    """Check each new step: its URL and title, and how it came (htmx swap or full page load)."""
    loads = []
    page.on("load", lambda p: loads.append(p.url))

    def arrived(path, title):
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page).to_have_title(title)
        if swapped:
            assert not loads[-1].endswith(path), f"{path} was a full page load, not an htmx swap"
            # Focus on the new step's heading; the live region that existed before the swap says the title.
            expect(page.locator("#step-heading")).to_be_focused()
            expect(page.locator("#annonce[role=status]")).to_have_text(title.removesuffix(f" – {SITE}"))
        else:
            page.wait_for_load_state()
            assert loads[-1].endswith(path), f"{path} did not come by a full page load"
        shoot(page, f"{mode}-{path.strip('/').replace('/', '-')}")

    return arrived


def test_whole_procedure_with_javascript(page):
    whole_procedure(page, Mouse(page), arrivals(page, "js", swapped=True))


def test_whole_procedure_without_javascript(nojs_page):
    page = nojs_page
    whole_procedure(page, Mouse(page), arrivals(page, "nojs", swapped=False))
    # The page really ran without scripts: the password toggle that app.js reveals stayed hidden.
    page.goto("/connexion")
    expect(page.locator("[data-toggle-password]")).to_be_hidden()


def test_whole_procedure_by_keyboard_only(page):
    whole_procedure(page, Keyboard(page), arrivals(page, "keyboard", swapped=True))
