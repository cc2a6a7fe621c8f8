"""Browser fixtures: the app served on 127.0.0.1, Debian's Chromium driven by Playwright, axe-core.

Each test gets a fresh app (and so a fresh database: Lila and Claude can each be converted
once per database) served in a thread; the browser is launched once per session.
"""
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Every axe rule enabled by default, plus WCAG 2.2's target size (off by default in axe 4.12).
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: the browser tests must run in CI")
        pytest.skip(f"{CHROMIUM} is missing (install the chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args):
        """The app logs its own requests; werkzeug's second line per request is noise."""


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.port}"
        app.config["PUBLIC_URL"] = self.url  # the links e-mailed lead here, as PUBLIC_URL in production
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def live(make_app):
    """The app as in production, CSRF on; rate limits off so that tests stay independent."""
    with LiveServer(make_app(WTF_CSRF_ENABLED=True)) as server:
        yield server


def _context(browser, live, **options):
    context = browser.new_context(base_url=live.url, locale="fr-FR", viewport={"width": 1024, "height": 800},
                                  accept_downloads=True, **options)
    context.set_default_timeout(5000)
    return context


@pytest.fixture
def page(browser, live):
    """A page with JavaScript on (htmx)."""
    context = _context(browser, live)
    yield context.new_page()
    context.close()


@pytest.fixture
def nojs_page(browser, live):
    """A page with JavaScript off: plain posts and redirects."""
    context = _context(browser, live, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def scan(axe, request):
    """Screenshot the page, then list what axe-core finds on it (empty when nothing)."""
    def run(page, state):
        shoot(page, f"{request.node.name}-{state}")
        return describe(axe.run(page, options=AXE_OPTIONS))

    return run


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", name) + ".png"), full_page=True)


def describe(results):
    lines = []
    for violation in results.response["violations"]:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {node['target']}: {node['failureSummary']}" for node in violation["nodes"]]
    return lines
