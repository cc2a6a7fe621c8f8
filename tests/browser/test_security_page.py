"""« Sécurité de mon espace » in Chromium: with JavaScript, without, by keyboard only, axe-core on
every state; and the session's time-out warning (« Prolonger ma session ») with a short limit."""
import re
from datetime import timedelta

import pytest
from conftest import BERNARD_PASSWORD
from playwright.sync_api import expect

from .conftest import AXE_OPTIONS, LiveServer, describe, shoot
from .journey import SITE, Keyboard, Mouse, labelled, sign_in, signin_code
from .test_accessibility import Audit

pytestmark = pytest.mark.browser

BERNARD = "toto321@toto.toto"
TITLE = f"Sécurité de mon espace – {SITE}"
# Each row's button: its visible text, then the row it acts on, for screen readers (WCAG 2.5.3).
# (No « / » in these patterns: Playwright's selector would end the pattern there.)
FERMER = re.compile(r"^Fermer la session .+, ouverte le \d\d.\d\d.\d{4} à \d\dh\d\d$")
SE_DECONNECTER = re.compile(r"^Se déconnecter de cette session : HeadlessChrome sur Linux, ouverte le ")
OUBLIER = re.compile(r"^Oublier ce navigateur : .+, mémorisé le ")


def other_browser(browser, live, remember=False):
    """Another browser (its own cookies) signed in to Bernard's space."""
    context = browser.new_context(base_url=live.url, locale="fr-FR")
    context.set_default_timeout(5000)
    page = context.new_page()
    sign_in(page, BERNARD, BERNARD_PASSWORD, remember=remember)
    return page


def signed_out(page):
    page.goto("/espace/")
    return page.url.endswith("/connexion")


@pytest.mark.parametrize("mode", ["js", "nojs", "keyboard"])
def test_forget_a_browser_close_a_session_close_the_others(request, browser, live, scan, mode):
    page = request.getfixturevalue("nojs_page" if mode == "nojs" else "page")
    person = Keyboard(page) if mode == "keyboard" else Mouse(page)
    # axe-core runs in the page: not where JavaScript is off (the markup is the same there).
    audit = Audit(page, scan) if mode != "nojs" else (lambda state: None)
    remembered = other_browser(browser, live, remember=True)
    sign_in(page, BERNARD, BERNARD_PASSWORD)
    person.follow("Sécurité de mon espace")
    expect(page).to_have_title(TITLE)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name=re.compile(r"^HeadlessChrome sur Linux cette session$"))).to_be_visible()
    expect(main.get_by_role("button", name=FERMER)).to_have_count(1)
    expect(main.get_by_role("button", name=SE_DECONNECTER)).to_have_count(1)
    note = page.locator(".session-timer__note")
    expect(note).to_have_text("Par sécurité, votre session prend fin après 30 minutes sans activité, et au plus tard 12 heures après la connexion.")
    expect(page.locator("#session-warning")).to_be_hidden()
    audit("page")

    person.press(FERMER)
    expect(page).to_have_title(TITLE)
    expect(page.locator("#notices")).to_contain_text("a été fermée")
    expect(main.get_by_role("button", name=FERMER)).to_have_count(0)
    audit("session-fermee")
    assert signed_out(remembered)
    expect(remembered.get_by_role("main")).to_contain_text("Votre session a été fermée depuis la page")

    person.press(OUBLIER)
    expect(page.locator("#notices")).to_contain_text("a été oublié")
    expect(main).to_contain_text("Aucun navigateur n'est mémorisé pour votre espace.")
    audit("navigateur-oublie")
    # The forgotten browser is asked for the code again.
    remembered.goto("/connexion")
    sign_in(remembered, BERNARD, BERNARD_PASSWORD)  # through the code step: it passes only if asked
    assert remembered.url.endswith("/espace/")

    third = other_browser(browser, live)
    page.reload()
    expect(main.get_by_role("button", name=FERMER)).to_have_count(2)
    person.press("Me déconnecter de tous les autres appareils")
    expect(page.locator("#notices")).to_contain_text("2 autres sessions ont été fermées")
    audit("autres-fermees")
    assert signed_out(remembered) and signed_out(third)
    page.goto("/espace/")
    assert page.url.endswith("/espace/")  # this one stays
    remembered.context.close()
    third.context.close()
    assert mode == "nojs" or audit.found == [], "\n".join(audit.found)


@pytest.fixture
def short_live(make_app):
    """Sessions that end after 30 s idle, warned 25 s before: the dialog comes 5 s after a page."""
    app = make_app(WTF_CSRF_ENABLED=True, SESSION_IDLE_LIMIT=timedelta(seconds=30),
                   SESSION_WARN_BEFORE=timedelta(seconds=25))
    with LiveServer(app) as server:
        yield server


def on_a_page_of_the_space(browser, live, axe, request):
    """Bernard signed in on a new browser, on « Historique »; `check(state)` screenshots the page and
    adds axe's findings to `found`."""
    context = browser.new_context(base_url=live.url, locale="fr-FR", viewport={"width": 1024, "height": 800})
    context.set_default_timeout(5000)
    page = context.new_page()
    found = []

    def check(state):
        shoot(page, f"{request.node.name}-{state}")
        found.extend(f"[{state}] {line}" for line in describe(axe.run(page, options=AXE_OPTIONS)))

    sign_in(page, BERNARD, BERNARD_PASSWORD)
    page.goto("/espace/historique?page=1")
    return context, page, check, found


def test_the_time_out_warning_extend_then_expire(browser, short_live, axe, request):
    context, page, check, found = on_a_page_of_the_space(browser, short_live, axe, request)
    expect(page.locator(".session-timer__note")).to_contain_text("après 30 secondes sans activité")
    dialog = page.get_by_role("dialog", name="Votre session va prendre fin")
    expect(dialog).to_be_visible(timeout=15000)
    extend = dialog.get_by_role("button", name="Prolonger ma session")
    expect(extend).to_be_focused()  # keyboard and screen reader users land on it
    expect(dialog).to_contain_text(re.compile(r"prendra fin dans 25 secondes, à \d\dh\d\d \(heure de Paris\)"))
    check("avertissement")
    page.keyboard.press("Space")
    expect(dialog).to_be_hidden()
    expect(page.locator("#annonce")).to_have_text("Votre session a été prolongée.")
    left = page.evaluate("fetch('/espace/securite/restant', {headers: {Accept: 'application/json'}})"
                         ".then(r => r.json()).then(d => d.remaining)")
    assert 27 <= left <= 30  # the server counts from the press

    # The warning comes back; this time nobody answers.
    expect(dialog).to_be_visible(timeout=15000)
    ended = page.get_by_role("dialog", name="Votre session a pris fin")
    expect(ended).to_be_visible(timeout=30000)
    expect(ended.get_by_role("heading", name="Votre session a pris fin")).to_be_focused()
    expect(ended).to_contain_text("après 30 secondes d'inactivité")
    check("expiree")
    ended.get_by_role("link", name="Me connecter de nouveau").click()
    # The sign-in page, which will lead back to the page the session ended on.
    expect(page).to_have_url(re.compile(r"/connexion\?suite=/espace/historique\?page%3D1$"))
    expect(page.get_by_role("main")).to_contain_text("Votre session a pris fin après 30 secondes d'inactivité.")
    check("connexion-apres-expiration")
    # Signing in again leads back to the page it was on.
    labelled(page, "Adresse électronique").fill(BERNARD)
    labelled(page, "Mot de passe").fill(BERNARD_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page).to_have_url(re.compile(r"/connexion/code$"))
    labelled(page, "Code de confirmation").fill(signin_code(context))
    page.get_by_role("button", name="Valider").click()
    expect(page).to_have_url(re.compile(r"/espace/historique\?page=1$"))
    context.close()
    assert found == [], "\n".join(found)


@pytest.fixture
def capped_live(make_app):
    """A session whose overall limit (30 s) comes before its idle one (2 min), warned 25 s before."""
    app = make_app(WTF_CSRF_ENABLED=True, SESSION_IDLE_LIMIT=timedelta(minutes=2),
                   SESSION_ABSOLUTE_LIMIT=timedelta(seconds=30), SESSION_WARN_BEFORE=timedelta(seconds=25))
    with LiveServer(app) as server:
        yield server


def test_the_overall_limit_is_announced_not_offered_to_extend(browser, capped_live, axe, request):
    """Before the overall limit the warning says it cannot be pushed back and offers no « Prolonger »
    (pressing it would have changed nothing); closing it gives the focus back; the end then says why."""
    context, page, check, found = on_a_page_of_the_space(browser, capped_live, axe, request)
    expect(page.locator(".session-timer__note")).to_contain_text(
        "après 2 minutes sans activité, et au plus tard 30 secondes après la connexion")
    search = page.get_by_role("link", name="Retour à mon espace")
    search.focus()
    dialog = page.get_by_role("dialog", name="Votre session va prendre fin")
    expect(dialog).to_be_visible(timeout=15000)
    expect(dialog).to_contain_text(re.compile(
        r"une session dure au plus 30 secondes : la vôtre prendra fin dans 25 secondes, à \d\dh\d\d "
        r"\(heure de Paris\), même si vous continuez à l'utiliser"))
    expect(dialog.get_by_role("button", name="Prolonger ma session")).to_have_count(0)
    understood = dialog.get_by_role("button", name="J'ai compris")
    expect(understood).to_be_focused()
    check("limite-totale")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(search).to_be_focused()  # back where the holder was
    ended = page.get_by_role("dialog", name="Votre session a pris fin")
    expect(ended).to_be_visible(timeout=30000)
    expect(ended.get_by_role("heading", name="Votre session a pris fin")).to_be_focused()
    expect(ended).to_contain_text("elle était ouverte depuis 30 secondes")
    expect(ended.get_by_text("Votre session a pris fin après 2 minutes d'inactivité")).to_be_hidden()
    check("limite-totale-expiree")
    ended.get_by_role("link", name="Me connecter de nouveau").click()
    expect(page.get_by_role("main")).to_contain_text("Votre session a pris fin : elle était ouverte depuis 30 secondes.")
    context.close()
    assert found == [], "\n".join(found)
