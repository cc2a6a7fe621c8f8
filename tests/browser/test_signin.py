"""Sign-in confirmation in Chromium: the e-mailed code with htmx, without JavaScript, by keyboard
only; « Renvoyer un code »; « Se souvenir de ce navigateur »; axe-core on every state."""
import re

import pytest
from conftest import BERNARD_PASSWORD
from playwright.sync_api import expect

from .journey import SIGNIN, SIGNIN_STEPS, SITE, Keyboard, Mouse, confirm_sign_in, sign_in, signin_code, step_title
from .test_accessibility import Audit

pytestmark = pytest.mark.browser

BERNARD = "toto321@toto.toto"
CODE_PAGE = step_title(SIGNIN, SIGNIN_STEPS, 2)


def password(page, person, email=BERNARD, secret=BERNARD_PASSWORD):
    page.goto("/connexion")
    person.fill("Adresse électronique", email)
    person.fill("Mot de passe", secret)
    person.press("Connexion")
    expect(page).to_have_url(re.compile(r"/connexion/code$"))
    expect(page).to_have_title(CODE_PAGE)
    page.wait_for_load_state()


def wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def outbox_subjects(page):
    mailbox = page.context.new_page()
    mailbox.goto("/outbox/")
    subjects = mailbox.get_by_role("main").get_by_role("link").all_inner_texts()
    mailbox.close()
    return subjects


@pytest.mark.parametrize("mode", ["js", "nojs", "keyboard"])
def test_sign_in_with_the_emailed_code(request, mode):
    page = request.getfixturevalue("nojs_page" if mode == "nojs" else "page")
    person = Keyboard(page) if mode == "keyboard" else Mouse(page)
    password(page, person)
    expect(page.get_by_role("main")).to_contain_text(f"à votre adresse électronique de connexion, {BERNARD}")
    code = signin_code(page.context)
    person.fill("Code de confirmation", wrong(code))
    person.press("Valider")
    summary = page.locator("[data-error-summary]")
    if mode != "nojs":  # app.js leads to the errors
        expect(summary).to_be_focused()
    expect(summary).to_contain_text("Le code de confirmation est incorrect. Il vous reste 4 essais.")
    expect(page).to_have_title("Erreur : " + CODE_PAGE)
    expect(page.get_by_label("Code de confirmation")).to_have_attribute("aria-invalid", "true")
    person.fill("Code de confirmation", code)
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/$"))
    expect(page).to_have_title(f"Mon espace professionnel – {SITE}")
    expect(page.get_by_role("main")).to_contain_text("DOUASBIN PÊCHE SARL")
    assert any("Connexion depuis un nouveau navigateur" in s for s in outbox_subjects(page))


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_resend_a_code_then_the_old_one_is_dead(request, mode):
    page = request.getfixturevalue("nojs_page" if mode == "nojs" else "page")
    person = Mouse(page)
    password(page, person)
    first = signin_code(page.context)
    person.press("Renvoyer un code")
    expect(page).to_have_url(re.compile(r"/connexion/code$"))
    if mode == "js":  # the new step has come: its heading has the focus (a whole page load otherwise)
        expect(page.locator("#step-heading")).to_be_focused()
    second = signin_code(page.context)
    person.fill("Code de confirmation", first)
    person.press("Valider")
    # The replaced code is said so (and costs no try).
    expect(page.locator("[data-error-summary]")).to_contain_text("Ce code a été remplacé par un nouveau")
    person.fill("Code de confirmation", second)
    person.press("Valider")
    expect(page).to_have_url(re.compile(r"/espace/$"))


@pytest.mark.parametrize("mode", ["js", "nojs", "keyboard"])
def test_a_remembered_browser_skips_the_code(request, mode):
    page = request.getfixturevalue("nojs_page" if mode == "nojs" else "page")
    person = Keyboard(page) if mode == "keyboard" else Mouse(page)
    password(page, person)
    confirm_sign_in(page, person, remember=True)
    cookie = next(c for c in page.context.cookies() if c["name"] == "espace_navigateur")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/connexion"
    person.press("Se déconnecter")
    expect(page).to_have_url(re.compile(r"/connexion$"))
    codes_before = sum("code de confirmation" in s for s in outbox_subjects(page))
    sign_in(page, BERNARD, BERNARD_PASSWORD)
    expect(page).to_have_url(re.compile(r"/espace/$"))
    assert sum("code de confirmation" in s for s in outbox_subjects(page)) == codes_before


def test_quitter_abandons_the_sign_in(page):
    person = Mouse(page)
    password(page, person)
    person.press("Quitter la procédure")
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.get_by_role("main")).to_contain_text("Vous avez quitté la connexion.")
    page.goto("/connexion/code")
    expect(page).to_have_url(re.compile(r"/connexion$"))


def test_every_state_of_the_code_page_passes_axe(page, scan):
    audit = Audit(page, scan)
    person = Mouse(page)
    password(page, person)
    audit("code")
    person.press("Valider")
    audit.errors("code-vide", 1)
    person.fill("Code de confirmation", "12a")
    person.press("Valider")
    audit.errors("code-mal-forme", 1)
    person.fill("Code de confirmation", wrong(signin_code(page.context)))
    person.press("Valider")
    audit.errors("code-incorrect", 1)
    person.press("Renvoyer un code")
    audit.step("code-renvoye", "Code de confirmation")
    for _ in range(2):  # three resends in all for one sign-in
        person.press("Renvoyer un code")
        expect(page.locator("#step-heading")).to_be_focused()
    # No more resends for this sign-in: the page offers only what can work.
    expect(page.get_by_role("button", name="Renvoyer un code", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Recommencer la connexion")).to_be_visible()
    audit("plus-de-renvoi")
    page.goto("/connexion/code")
    audit("code-rechargee")
    assert audit.found == [], "\n".join(audit.found)
