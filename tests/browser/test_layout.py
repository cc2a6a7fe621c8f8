"""Every page of the space at 320, 768, 1,100 and 1,280 px: no token broken across two lines,
no page scrolling sideways.

Issue 15, item 12: « Historique » showed « 30/11/202|6 » at 1,100 px and « 127.0.|0.x » on a
phone. Each date, time, IP address, e-mail address and number of each page is measured in
Chromium: the text of one token must sit on one line (its Range has client rectangles on a
single line). A screenshot of each page at each width goes to test-artifacts/screenshots.
"""
from datetime import timedelta

import pytest
from conftest import BERNARD, BERNARD_PASSWORD
from playwright.sync_api import expect

from espace.domain import history
from espace.domain.clock import now
from espace.models import Space, db

from .conftest import shoot
from .journey import sign_in

pytestmark = pytest.mark.browser

WIDTHS = (320, 768, 1100, 1280)
TOKENS = {
    "date": r"\d{2}/\d{2}/\d{4}",
    "heure": r"\d{1,2}h\d{2}",
    "IPv4": r"\d{1,3}(?:\.\d{1,3}){2}\.x",
    "IPv6": r"[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){1,6}:x",
    "adresse électronique": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "numéro": r"\d{9,14}",
    "téléphone": r"0\d{3} \d{3} \d{3}|0\d(?: \d{2}){4}",
}
# Each match of `pattern` in the visible text of <main>: on how many lines it is drawn.
MEASURE = """pattern => {
    const re = new RegExp(pattern, "gu"), found = [];
    const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (node.parentElement.closest(".sr-only, option, script, style")) continue;
        for (const match of node.data.matchAll(re)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
            if (!rects.length) continue;  // not drawn
            found.push([match[0], new Set(rects.map(r => Math.round(r.top))).size]);
        }
    }
    return found;
}"""


def space_pages(app):
    """Every page of the space reached by a plain GET (a page added later is measured too)."""
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/espace") and "GET" in rule.methods and not rule.arguments
                  and not rule.rule.endswith(".pdf")
                  and rule.endpoint != "security.remaining")  # the time-out's JSON, not a page


def add_history(app):
    """Events from every kind of network, the longest truncated addresses among them."""
    with app.app_context(), db.connection_context():
        space = Space.by_number(BERNARD).id
        for i, client in enumerate(("203.0.113.254", "2001:db8:abcd:1234:5:6:7:8", "127.0.0.1")):
            history.record(space, "signin_failed", now() - timedelta(days=3, minutes=i), client)


def tokens_on(page):
    """{kind: [(token, lines), …]} for the page as drawn now."""
    return {kind: page.evaluate(MEASURE, pattern) for kind, pattern in TOKENS.items()}


def test_no_token_is_broken_on_any_page_of_the_space(page, live):
    add_history(live.app)
    sign_in(page, "toto321@toto.toto", BERNARD_PASSWORD)
    pages = space_pages(live.app)
    assert {"/espace/", "/espace/historique", "/espace/coordonnees"} <= set(pages)
    broken, measured = [], {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in pages:
            page.goto(path)
            shoot(page, f"layout-{width}-{path.strip('/').replace('/', '-')}")
            if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"):
                broken.append(f"{width} px, {path}: the page scrolls sideways")
            for kind, found in tokens_on(page).items():
                measured.setdefault((path, kind), 0)
                measured[(path, kind)] += len(found)
                broken += [f"{width} px, {path}: {kind} « {token} » on {lines} lines"
                           for token, lines in found if lines > 1]
    # Precondition: the history's dates, times and truncated addresses were found and measured.
    for kind in ("date", "heure", "IPv4", "IPv6"):
        assert measured[("/espace/historique", kind)] >= len(WIDTHS), kind
    assert broken == [], "\n".join(broken)


def test_the_history_on_a_phone_reads_as_labelled_lines_and_axe_finds_nothing(page, live, scan):
    add_history(live.app)
    sign_in(page, "toto321@toto.toto", BERNARD_PASSWORD)
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto("/espace/historique")
    cell = page.get_by_role("cell", name="2001:db8:abcd:1234:x")
    # Each value under its label, on lines of its own (not four columns).
    assert cell.evaluate("td => getComputedStyle(td).display") == "grid"
    assert cell.evaluate("td => getComputedStyle(td, '::before').content").startswith('"Adresse IP"')
    # The table keeps its headers for screen readers: the column header still names the cell.
    expect(page.get_by_role("columnheader", name="Adresse IP (tronquée)")).to_have_count(1)
    assert scan(page, "historique-320") == []
