"""EP 5 in Chromium: change the login address (code read from the outbox) and the password,
with JavaScript (htmx), without it, and by keyboard only; axe-core on every page and state."""
import re

import pytest
from conftest import BERNARD_PASSWORD
from playwright.sync_api import expect

from .journey import SITE, Keyboard, Mouse, labelled, sign_in
from .test_accessibility import Audit

pytestmark = pytest.mark.browser

BERNARD_EMAIL = "toto321@toto.toto"
NEW = "bernard.douasbin@example.fr"
NEW_PASSWORD = "Douasbin2026PecheAuLancer"
PROCEDURE = "Changer d'adresse électronique"
STEPS = ("Nouvelle adresse", "Confirmation", "Adresse modifiée")


def step_title(n):
    return f"Étape {n} sur 3 – {STEPS[n - 1]} – {PROCEDURE} – {SITE}"


def confirmation_code(context):
    """The last code sent to a new address, read in the development outbox in a tab of its own."""
    mailbox = context.new_page()
    mailbox.goto("/outbox/")
    mailbox.get_by_role("link", name=re.compile("Confirmez votre nouvelle adresse")).first.click()
    found = re.search(r"code de changement d'adresse : (\w{12})", mailbox.locator("pre.mail-text").inner_text()).group(1)
    mailbox.close()
    return found


@pytest.fixture(params=["mouse", "keyboard", "nojs"])
def person(request):
    """The same person three ways: clicking with htmx, by keyboard only, clicking without JavaScript."""
    if request.param == "nojs":
        return Mouse(request.getfixturevalue("nojs_page"))
    page = request.getfixturevalue("page")
    return Keyboard(page) if request.param == "keyboard" else Mouse(page)


def arrived(page, path, title):
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page).to_have_title(title)


def test_change_the_login_address(person):
    page = person.page
    sign_in(page, BERNARD_EMAIL, BERNARD_PASSWORD)
    person.follow("Changer d'adresse électronique")
    arrived(page, "/espace/adresse-electronique", step_title(1))
    page.wait_for_load_state()
    person.fill("Nouvelle adresse électronique", NEW)
    person.fill("Confirmation de la nouvelle adresse électronique", NEW)
    person.fill("Mot de passe actuel", "Mauvais2026MotDePasseXX")
    person.press("Continuer")
    expect(page).to_have_title(re.compile("^Erreur : " + re.escape(step_title(1))))
    expect(page.locator("#current_password-error")).to_contain_text("Le mot de passe actuel est incorrect.")
    expect(labelled(page, "Nouvelle adresse électronique")).to_have_value(NEW)  # kept; the password is not
    expect(labelled(page, "Mot de passe actuel")).to_have_value("")
    person.fill("Mot de passe actuel", BERNARD_PASSWORD)
    person.press("Continuer")
    arrived(page, "/espace/adresse-electronique/confirmation", step_title(2))
    expect(page.get_by_role("main")).to_contain_text(f"Un code de changement d'adresse a été envoyé à {NEW}")
    person.fill("Code de changement d'adresse", confirmation_code(page.context))
    person.press("Valider")
    arrived(page, "/espace/adresse-electronique/modifiee", step_title(3))
    expect(page.get_by_role("main")).to_contain_text(f"Votre adresse électronique de connexion est désormais {NEW}")
    person.follow("Retour à mon espace")
    expect(page.get_by_role("main")).to_contain_text(NEW)
    # Signed out (signed in, the login page leads to the space), the new address signs in.
    person.press("Se déconnecter")
    expect(page).to_have_url(re.compile(r"/connexion$"))
    sign_in(page, NEW, BERNARD_PASSWORD)


def test_change_the_password_ends_the_other_browser(person, browser, live):
    page = person.page
    other = browser.new_context(base_url=live.url, locale="fr-FR")
    other_page = other.new_page()
    sign_in(other_page, BERNARD_EMAIL, BERNARD_PASSWORD)
    sign_in(page, BERNARD_EMAIL, BERNARD_PASSWORD)
    person.follow("Changer de mot de passe")
    arrived(page, "/espace/mot-de-passe", f"Changer de mot de passe – {SITE}")
    person.fill("Mot de passe actuel", BERNARD_PASSWORD)
    person.fill("Nouveau mot de passe", NEW_PASSWORD)
    person.fill("Confirmation du nouveau mot de passe", NEW_PASSWORD + "x")
    person.press("Valider")
    expect(page).to_have_title(f"Erreur : Changer de mot de passe – {SITE}")
    expect(page.locator("#password_confirm-error")).to_contain_text("Les deux mots de passe saisis sont différents.")
    person.fill("Mot de passe actuel", BERNARD_PASSWORD)
    person.fill("Nouveau mot de passe", NEW_PASSWORD)
    person.fill("Confirmation du nouveau mot de passe", NEW_PASSWORD)
    person.press("Valider")
    arrived(page, "/espace/", f"Mon espace professionnel – {SITE}")
    expect(page.get_by_role("main")).to_contain_text("Votre mot de passe a été modifié.")
    # The other browser's session has ended; this one has not.
    other_page.goto("/espace/")
    expect(other_page).to_have_url(re.compile(r"/connexion$"))
    expect(other_page.get_by_role("main")).to_contain_text("Votre session a pris fin")
    other.close()
    page.goto("/espace/")
    expect(page).to_have_url(re.compile(r"/espace/$"))


def test_every_page_and_state_passes_axe(page, scan):
    audit = Audit(page, scan)
    person = Mouse(page)
    sign_in(page, BERNARD_EMAIL, BERNARD_PASSWORD)
    audit("espace")
    person.follow("Changer d'adresse électronique")
    audit("adresse-1")
    person.press("Continuer")
    audit.errors("adresse-1-vide", 3)
    person.fill("Nouvelle adresse électronique", NEW)
    person.fill("Confirmation de la nouvelle adresse électronique", NEW)
    person.fill("Mot de passe actuel", BERNARD_PASSWORD)
    person.press("Continuer")
    audit.step("adresse-2-code", "Code de changement d'adresse")
    person.fill("Code de changement d'adresse", "abcdefghijkl")
    person.press("Valider")
    audit.errors("adresse-2-code-faux", 1)
    person.fill("Code de changement d'adresse", confirmation_code(page.context))
    person.press("Valider")
    audit.step("adresse-3-modifiee", "Adresse électronique modifiée")
    page.goto("/espace/adresse-electronique")
    audit("adresse-1-apres")
    page.goto("/espace/mot-de-passe")
    audit("mot-de-passe")
    person.press("Valider")
    audit.errors("mot-de-passe-vide", 3)
    person.fill("Mot de passe actuel", BERNARD_PASSWORD)
    person.fill("Nouveau mot de passe", BERNARD_PASSWORD)
    person.fill("Confirmation du nouveau mot de passe", BERNARD_PASSWORD)
    person.press("Valider")
    audit.errors("mot-de-passe-identique", 1)
    person.fill("Mot de passe actuel", BERNARD_PASSWORD)
    person.fill("Nouveau mot de passe", NEW_PASSWORD)
    person.fill("Confirmation du nouveau mot de passe", NEW_PASSWORD)
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/$"))
    audit("espace-mot-de-passe-modifie")
    assert audit.found == [], "\n".join(audit.found)


def test_quitter_leaves_the_address_unchanged(page):
    sign_in(page, BERNARD_EMAIL, BERNARD_PASSWORD)
    person = Mouse(page)
    person.follow("Changer d'adresse électronique")
    person.fill("Nouvelle adresse électronique", NEW)
    person.fill("Confirmation de la nouvelle adresse électronique", NEW)
    person.fill("Mot de passe actuel", BERNARD_PASSWORD)
    person.press("Continuer")
    expect(page).to_have_title(step_title(2))
    page.get_by_role("button", name=re.compile("^Quitter")).click()
    expect(page).to_have_url(re.compile(r"/espace/$"))
    expect(page.get_by_role("main")).to_contain_text("Votre adresse électronique de connexion n'a pas été modifiée.")
    expect(page.get_by_role("main")).to_contain_text(BERNARD_EMAIL)
