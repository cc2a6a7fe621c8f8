"""« Historique » in Chromium: from the space, with JavaScript, without, by keyboard; axe-core on each state."""
import re
from datetime import timedelta

import pytest
from conftest import BERNARD, BERNARD_PASSWORD
from playwright.sync_api import expect

from espace.domain import history
from espace.domain.clock import now
from espace.models import Space, db

from .journey import SITE, Keyboard, Mouse, sign_in
from .test_accessibility import Audit

pytestmark = pytest.mark.browser

BERNARD_EMAIL = "toto321@toto.toto"


def add_failed_sign_ins(app, count):
    """Older events, one a minute, from networks 198.51.0.x, 198.51.1.x…"""
    with app.app_context(), db.connection_context():
        space = Space.by_number(BERNARD).id
        start = now() - timedelta(days=30)
        for i in range(count):
            history.record(space, "signin_failed", start + timedelta(minutes=i), f"198.51.{i}.9")


def rows(page):
    return page.get_by_role("table").get_by_role("row")


def walk_the_history(page, person):
    """From the space to the history, to the older page, and back to the newer one."""
    sign_in(page, BERNARD_EMAIL, BERNARD_PASSWORD)
    page.wait_for_load_state()
    person.follow("Historique")
    expect(page).to_have_url(re.compile(r"/espace/historique$"))
    expect(page).to_have_title(f"Historique (page 1 sur 2) – {SITE}")
    table = page.get_by_role("table", name="Opérations des 12 derniers mois, page 1 sur 2")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Date", "Heure (heure de Paris)", "Opération", "Adresse IP (tronquée)"])
    expect(rows(page)).to_have_count(21)  # the header row and twenty events
    # Newest first: the sign-in (one line), then the failures.
    expect(rows(page).nth(1)).to_contain_text(re.compile(r"\d\d/\d\d/\d{4}\s*\d\dh\d\d\s*Connexion\s*127\.0\.0\.x"))
    expect(rows(page).nth(2)).to_contain_text("Échec de connexion")
    person.follow("Opérations plus anciennes (page 2 sur 2)")
    expect(page).to_have_url(re.compile(r"/espace/historique\?page=2$"))
    expect(page).to_have_title(f"Historique (page 2 sur 2) – {SITE}")
    expect(rows(page)).to_have_count(6)  # 24 failures and the sign-in: 25 lines, 5 on page 2
    expect(rows(page).last).to_contain_text("Échec de connexion198.51.0.x")
    expect(page.get_by_role("link", name=re.compile("Opérations plus anciennes"))).to_have_count(0)
    person.follow("Opérations plus récentes (page 1 sur 2)")
    expect(page).to_have_title(f"Historique (page 1 sur 2) – {SITE}")
    person.follow("Retour à mon espace")
    expect(page).to_have_url(re.compile(r"/espace/$"))


def test_history_with_javascript(page, live):
    add_failed_sign_ins(live.app, 24)
    walk_the_history(page, Mouse(page))


def test_history_without_javascript(nojs_page, live):
    add_failed_sign_ins(live.app, 24)
    walk_the_history(nojs_page, Mouse(nojs_page))


def test_history_by_keyboard_only(page, live):
    add_failed_sign_ins(live.app, 24)
    walk_the_history(page, Keyboard(page))


def test_history_states_pass_axe_and_reflow(page, live, scan):
    audit = Audit(page, scan)
    sign_in(page, BERNARD_EMAIL, BERNARD_PASSWORD)
    page.goto("/espace/historique")
    expect(rows(page)).to_have_count(2)  # the header and the sign-in (one line)
    audit("historique-court")
    add_failed_sign_ins(live.app, 44)
    page.goto("/espace/historique")
    expect(page.get_by_role("navigation", name="Pages de l'historique")).to_contain_text("Page 1 sur 3")
    audit("historique-page-1")
    page.goto("/espace/historique?page=2")
    expect(page.get_by_role("link", name=re.compile("Opérations plus"))).to_have_count(2)
    audit("historique-page-2")
    page.goto("/espace/historique?page=3")
    audit("historique-derniere-page")
    assert audit.found == []
